namespace Entrance.Core.Schema;

/// <summary>
/// The Redis key and channel names of the route schema (docs/redis-schema.md), with the optional key prefix applied.
/// One instance per prefix; every name is built here so the CLI, the Syncer and the router cannot disagree.
/// </summary>
public sealed class RedisKeys
{
    public const string BackendsPart = "entrance:backends:";
    public const string SettingsPart = "entrance:host:";
    public const string NativeDeadPart = "entrance:dead:";
    public const string FrontendPart = "frontend:";
    public const string HipacheDeadPart = "dead:";
    public const string CertificatePart = "entrance:cert:";

    /// <summary>SET of path prefixes (<c>/api</c>) routed under a host route name: route <c>host/api</c> exists when listed here.</summary>
    public const string PathsPart = "entrance:paths:";

    /// <summary>HASH backend URL → integer weight (absent: 1; 0: drained).</summary>
    public const string WeightsPart = "entrance:weights:";

    /// <summary>ZSET backend URL → registration expiry, unix ms by Redis's clock (backends absent here never expire).</summary>
    public const string ExpiryPart = "entrance:expiry:";

    /// <summary>TCP routes by listening port: SET of <c>host:port</c> backends, settings HASH, dead-mark ZSET.</summary>
    public const string TcpBackendsPart = "entrance:tcp:";
    public const string TcpSettingsPart = "entrance:tcp-settings:";
    public const string TcpDeadPart = "entrance:tcp-dead:";

    /// <summary>A <c>PUBLISH entrance:changed tcp:&lt;port&gt;</c> payload names a TCP route.</summary>
    public const string TcpChangePrefix = "tcp:";

    /// <summary>A <c>PUBLISH entrance:changed cert:&lt;name&gt;</c> payload names a certificate, not a route.</summary>
    public const string CertificateChangePrefix = "cert:";

    /// <summary>Fields of a certificate hash: the PEM chain (leaf first) and its PEM private key.</summary>
    public const string ChainField = "chain";
    public const string KeyField = "key";

    /// <summary>Fields of a route's settings hash.</summary>
    public const string LbField = "lb";

    /// <summary><c>1</c>: plain-HTTP requests are redirected to https (ACME challenges excepted); <c>0</c> or absent: off.</summary>
    public const string HttpsRedirectField = "https_redirect";

    /// <summary>The <c>Strict-Transport-Security</c> value added to answers given over HTTPS.</summary>
    public const string HstsField = "hsts";

    /// <summary>A PEM bundle of CA certificates trusted for this route's https:// backends, instead of the system store.</summary>
    public const string BackendCaField = "backend_ca";

    /// <summary><c>0</c>: the certificates of this route's https:// backends are not verified.</summary>
    public const string BackendTlsVerifyField = "backend_tls_verify";

    // Routing depth (issue 15): path routes, sticky sessions, health checks, per-route forwarding limits.
    public const string StripPrefixField = "strip_prefix";

    /// <summary>On a path route, <c>1</c>: the prefix matches only the exact path (Ingress pathType Exact), not what lies under it.</summary>
    public const string PathExactField = "path_exact";

    /// <summary>The largest backend weight accepted in <c>entrance:weights:&lt;route name&gt;</c>.</summary>
    public const int MaxWeight = 10_000;
    public const string StickyField = "sticky";
    public const string StickyOnField = "sticky_on";
    public const string HealthPathField = "health_path";
    public const string HealthIntervalField = "health_interval";
    public const string HealthTimeoutField = "health_timeout";
    public const string HealthFailsField = "health_fails";
    public const string HealthPassesField = "health_passes";
    public const string ConnectTimeoutField = "connect_timeout";
    public const string BackendTimeoutField = "backend_timeout";
    public const string MaxBodyField = "max_body";
    public const string PreserveHostField = "preserve_host";

    /// <summary><c>1</c>: TLS connections for this host are relayed undecrypted to its backends, chosen by SNI (issue 16).</summary>
    public const string PassthroughField = "passthrough";

    public const string OwnersPart = "entrance:owners:";
    public const string TcpOwnersPart = "entrance:tcp-owners:";
    public const string CertificateOwnersPart = "entrance:cert-owners:";

    private volatile bool _hashTags;

    public RedisKeys(string? prefix = null)
    {
        Prefix = prefix ?? string.Empty;
        ChangedChannel = Prefix + "entrance:changed";
        DeadChannel = Prefix + "dead";
        Owners = Prefix + "entrance:owners";
        CertificateOwners = Prefix + "entrance:cert-owners";
        CertificatePattern = Prefix + CertificatePart + "*";
        TcpOwners = Prefix + "entrance:tcp-owners";
        FleetLease = Prefix + "entrance:fleet-leader";
    }

    /// <summary>HASH TCP port → owner (<c>apply</c>, <c>syncer</c>); ports absent here were written by hand.</summary>
    public string TcpOwners { get; }

    /// <summary>STRING holding the id of the router that runs fleet-wide work (health checks, expiry cleanup), with a PX lease.</summary>
    public string FleetLease { get; }

    /// <summary>
    /// Redis Cluster layout (docs/redis-schema.md, "Redis Cluster"): Entrance's native keys carry a hash tag, the host
    /// part of the route name (<c>entrance:backends:{app.example.com}/api</c>), so every key of a host and of its path
    /// routes shares one slot and a script can read or write them together; owner records become per-host hashes.
    /// hipache's keys never get a tag. Set by <c>RedisConnection</c> once it sees a cluster; a single node keeps the
    /// plain names (existing data).
    /// </summary>
    public bool HashTags
    {
        get => _hashTags;
        internal set => _hashTags = value;
    }

    public string Paths(string routeName) => Prefix + PathsPart + Tagged(routeName);

    public string Weights(string routeName) => Prefix + WeightsPart + Tagged(routeName);

    public string Expiry(string routeName) => Prefix + ExpiryPart + Tagged(routeName);

    public string TcpBackends(int port) => Prefix + TcpBackendsPart + Tagged(PortText(port));

    public string TcpSettings(int port) => Prefix + TcpSettingsPart + Tagged(PortText(port));

    public string TcpDead(int port) => Prefix + TcpDeadPart + Tagged(PortText(port));

    /// <summary>The owner record of a route name: the one <see cref="Owners"/> hash, or with hash tags the host's own hash (same field).</summary>
    public string OwnersOf(string routeName) => HashTags ? Prefix + OwnersPart + Tagged(RoutePathHost(routeName)) : Owners;

    /// <summary>The owner record of a TCP port (field: the port).</summary>
    public string TcpOwnersOf(int port) => HashTags ? Prefix + TcpOwnersPart + Tagged(PortText(port)) : TcpOwners;

    /// <summary>The owner record of a certificate name (field: the name).</summary>
    public string CertificateOwnersOf(string name) => HashTags ? Prefix + CertificateOwnersPart + Tagged(name) : CertificateOwners;

    /// <summary>
    /// A hipache key (<c>frontend:</c>, <c>dead:</c>) as a script over a route's native keys gets it: as it is on one node;
    /// with hash tags (another slot) a key of the route's own slot that is never written, so the script sees no hipache
    /// data and the caller handles the hipache side apart.
    /// </summary>
    public string HipacheInSlot(string hipacheKey, string routeName) => HashTags ? Prefix + "entrance:none:" + Tagged(routeName) : hipacheKey;

    /// <summary>A name as it appears in a key: as it is, or with hash tags its host part in braces (<c>{host}/api</c>).</summary>
    public string Tagged(string name)
    {
        if (!HashTags)
        {
            return name;
        }

        var slash = name.IndexOf('/');
        return slash < 0 ? "{" + name + "}" : "{" + name[..slash] + "}" + name[slash..];
    }

    /// <summary>The name in a key's tail: <c>{host}/api</c> → <c>host/api</c> (hipache keys and single-node keys have no braces).</summary>
    public static string Untagged(ReadOnlySpan<char> tail)
    {
        if (tail.Length > 1 && tail[0] == '{' && tail.IndexOf('}') is var close and > 1)
        {
            return string.Concat(tail[1..close], tail[(close + 1)..]);
        }

        return tail.ToString();
    }

    private static string RoutePathHost(string routeName) => Entrance.Core.Hosts.RoutePath.HostOf(routeName);

    private static string PortText(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string Prefix { get; }

    /// <summary>PUBLISH a route name (or <c>*</c>) here to make every router drop it from its cache.</summary>
    public string ChangedChannel { get; }

    /// <summary>hipache's channel for dead-backend events: <c>routeName;url;index;count</c>.</summary>
    public string DeadChannel { get; }

    /// <summary>HASH route name → owner (<c>apply</c>, <c>syncer</c>); route names absent here were written by hand.</summary>
    public string Owners { get; }

    /// <summary>HASH certificate name → owner (<c>syncer</c>, <c>cli</c>); names absent here were written by hand.</summary>
    public string CertificateOwners { get; }

    /// <summary>Key pattern of every certificate, for SCAN and keyspace subscriptions.</summary>
    public string CertificatePattern { get; }

    /// <summary>HASH <c>chain</c>, <c>key</c>: the certificate served for TLS handshakes whose SNI is this name (exact or <c>*.parent</c>).</summary>
    public string Certificate(string name) => Prefix + CertificatePart + Tagged(name);

    /// <summary>The certificate name a key belongs to, or null when the key is not a certificate key.</summary>
    public string? CertificateNameOf(ReadOnlySpan<char> key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) && key[Prefix.Length..].StartsWith(CertificatePart, StringComparison.Ordinal)
            && key.Length > Prefix.Length + CertificatePart.Length
            ? Untagged(key[(Prefix.Length + CertificatePart.Length)..])
            : null;

    public string Backends(string routeName) => Prefix + BackendsPart + Tagged(routeName);

    public string Settings(string routeName) => Prefix + SettingsPart + Tagged(routeName);

    public string NativeDead(string routeName) => Prefix + NativeDeadPart + Tagged(routeName);

    public string Frontend(string routeName) => Prefix + FrontendPart + routeName;

    public string HipacheDead(string routeName) => Prefix + HipacheDeadPart + routeName;

    /// <summary>Key patterns whose changes affect routing, for SCAN and keyspace subscriptions.</summary>
    public IReadOnlyList<string> RoutePatterns =>
    [
        Prefix + BackendsPart + "*",
        Prefix + SettingsPart + "*",
        Prefix + NativeDeadPart + "*",
        Prefix + FrontendPart + "*",
        Prefix + HipacheDeadPart + "*",
        Prefix + PathsPart + "*",
        Prefix + WeightsPart + "*",
        Prefix + ExpiryPart + "*",
    ];

    /// <summary>Key patterns of TCP routes (backends, settings, dead marks), for keyspace subscriptions and CLIENT TRACKING.</summary>
    public IReadOnlyList<string> TcpPatterns =>
    [
        Prefix + TcpBackendsPart + "*",
        Prefix + TcpSettingsPart + "*",
        Prefix + TcpDeadPart + "*",
    ];

    /// <summary>
    /// The route name a schema key belongs to, or null when the key is not a route key. A path route's keys give its
    /// full name (<c>host/api</c>); routers drop the cached host <c>host</c> for it (see <c>RoutePath.HostOf</c>).
    /// </summary>
    public string? RouteNameOf(ReadOnlySpan<char> key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        key = key[Prefix.Length..];
        ReadOnlySpan<string> parts = [BackendsPart, SettingsPart, NativeDeadPart, FrontendPart, HipacheDeadPart, PathsPart, WeightsPart, ExpiryPart];
        foreach (var part in parts)
        {
            if (key.StartsWith(part, StringComparison.Ordinal) && key.Length > part.Length)
            {
                return Untagged(key[part.Length..]);
            }
        }

        return null;
    }
}
