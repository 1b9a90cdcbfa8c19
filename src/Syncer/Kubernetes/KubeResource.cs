using System.Text.Json.Serialization.Metadata;

namespace Entrance.Syncer.Kubernetes;

/// <summary>Where a kind lives in the API (core <c>/api/v1</c> or <c>/apis/group/version</c>) and how to (de)serialize it.</summary>
public sealed class KubeResource<T>(string name, string groupVersionPath, string plural, JsonTypeInfo<T> item, JsonTypeInfo<KubeList<T>> list)
    where T : KubeObject
{
    /// <summary>A short name for logs and metrics: service, endpointslice, ingress.</summary>
    public string Name => name;
    public JsonTypeInfo<T> Item => item;
    public JsonTypeInfo<KubeList<T>> List => list;

    public string CollectionPath(string? ns) =>
        ns is null ? $"{groupVersionPath}/{plural}" : $"{groupVersionPath}/namespaces/{Uri.EscapeDataString(ns)}/{plural}";

    public string ItemPath(string ns, string objectName) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(objectName)}";
}

public static class KubeResources
{
    public static readonly KubeResource<Service> Services =
        new("service", "/api/v1", "services", KubeJson.Default.Service, KubeJson.Default.KubeListService);

    public static readonly KubeResource<EndpointSlice> EndpointSlices =
        new("endpointslice", "/apis/discovery.k8s.io/v1", "endpointslices", KubeJson.Default.EndpointSlice, KubeJson.Default.KubeListEndpointSlice);

    public static readonly KubeResource<Ingress> Ingresses =
        new("ingress", "/apis/networking.k8s.io/v1", "ingresses", KubeJson.Default.Ingress, KubeJson.Default.KubeListIngress);

    public static string LeasePath(string ns, string? name = null) =>
        $"/apis/coordination.k8s.io/v1/namespaces/{Uri.EscapeDataString(ns)}/leases" + (name is null ? string.Empty : "/" + Uri.EscapeDataString(name));
}
