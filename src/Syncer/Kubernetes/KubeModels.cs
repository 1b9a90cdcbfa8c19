using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entrance.Syncer.Kubernetes;

// Just the fields the Syncer reads or writes; unknown fields are ignored on the way in.

public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public string? ResourceVersion { get; set; }
    public string? Uid { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public string? DeletionTimestamp { get; set; }
}

public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }
    public string? Continue { get; set; }
}

/// <summary>Anything with metadata, so one informer fits every kind.</summary>
public abstract class KubeObject
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>namespace/name, the informer's store key.</summary>
    [JsonIgnore]
    public string Key => $"{Metadata.Namespace}/{Metadata.Name}";
}

public sealed class Service : KubeObject
{
    public ServiceSpec? Spec { get; set; }
}

public sealed class ServiceSpec
{
    public List<ServicePort>? Ports { get; set; }
    public string? Type { get; set; }
}

public sealed class ServicePort
{
    public string? Name { get; set; }
    public int Port { get; set; }
    public string? Protocol { get; set; }
}

public sealed class EndpointSlice : KubeObject
{
    public string? AddressType { get; set; }
    public List<Endpoint>? Endpoints { get; set; }
    public List<EndpointPort>? Ports { get; set; }
}

public sealed class Endpoint
{
    public List<string>? Addresses { get; set; }
    public EndpointConditions? Conditions { get; set; }
}

public sealed class EndpointConditions
{
    public bool? Ready { get; set; }
    public bool? Serving { get; set; }
    public bool? Terminating { get; set; }
}

public sealed class EndpointPort
{
    public string? Name { get; set; }
    public int? Port { get; set; }
    public string? Protocol { get; set; }
}

public sealed class Ingress : KubeObject
{
    public IngressSpec? Spec { get; set; }
}

public sealed class IngressSpec
{
    public string? IngressClassName { get; set; }
    public List<IngressRule>? Rules { get; set; }
}

public sealed class IngressRule
{
    public string? Host { get; set; }
    public HttpIngressRuleValue? Http { get; set; }
}

public sealed class HttpIngressRuleValue
{
    public List<HttpIngressPath>? Paths { get; set; }
}

public sealed class HttpIngressPath
{
    public string? Path { get; set; }
    public string? PathType { get; set; }
    public IngressBackend? Backend { get; set; }
}

public sealed class IngressBackend
{
    public IngressServiceBackend? Service { get; set; }
}

public sealed class IngressServiceBackend
{
    public string? Name { get; set; }
    public ServiceBackendPort? Port { get; set; }
}

public sealed class ServiceBackendPort
{
    public string? Name { get; set; }
    public int? Number { get; set; }
}

public sealed class Lease : KubeObject
{
    public LeaseSpec Spec { get; set; } = new();
}

public sealed class LeaseSpec
{
    public string? HolderIdentity { get; set; }
    public int? LeaseDurationSeconds { get; set; }

    /// <summary>MicroTime: RFC 3339 with microseconds.</summary>
    public string? AcquireTime { get; set; }
    public string? RenewTime { get; set; }
    public int? LeaseTransitions { get; set; }
}

public sealed class KubeList<T>
{
    public ListMeta Metadata { get; set; } = new();
    public List<T> Items { get; set; } = [];
}

/// <summary>One line of a watch stream. For ERROR the object is a Status, so it is kept raw until the type is known.</summary>
public sealed class RawWatchEvent
{
    public string Type { get; set; } = string.Empty;
    public JsonElement Object { get; set; }
}

public sealed class Status
{
    public string? Kind { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public int Code { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(Ingress))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(KubeList<Service>))]
[JsonSerializable(typeof(KubeList<EndpointSlice>))]
[JsonSerializable(typeof(KubeList<Ingress>))]
[JsonSerializable(typeof(RawWatchEvent))]
[JsonSerializable(typeof(Status))]
internal sealed partial class KubeJson : JsonSerializerContext;
