namespace Entrance.Syncer.Mapping;

/// <summary>The annotations the Syncer reads (docs/syncer.md).</summary>
public static class Annotations
{
    /// <summary>Comma-separated hosts a Service publishes: <c>shop.example.com, *.shop.example.com</c>.</summary>
    public const string Hosts = "entrance.io/hosts";

    /// <summary>A router port (<c>30001</c>) relayed as a TCP route to the Service's endpoints (issue 16).</summary>
    public const string TcpPort = "entrance.io/tcp-port";

    /// <summary>The Service port (name or number) to route to; default the first port.</summary>
    public const string Port = "entrance.io/port";

    /// <summary><c>http</c> (default) or <c>https</c>.</summary>
    public const string Scheme = "entrance.io/scheme";

    /// <summary>Load-balancing policy, written to the host's settings hash as <c>lb</c>.</summary>
    public const string Lb = "entrance.io/lb";

    /// <summary>The label that ties an EndpointSlice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>Settings field naming the publishing object; also keeps a host with no ready backend declared.</summary>
    public const string SourceField = "source";

    /// <summary>A value of the library's annotation or label dictionary, or null.</summary>
    public static string? Get(IDictionary<string, string>? values, string key) => values is not null && values.TryGetValue(key, out var v) ? v : null;
}
