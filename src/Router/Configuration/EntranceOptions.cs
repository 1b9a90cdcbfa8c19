namespace Entrance.Router.Configuration;

/// <summary>The <c>Entrance</c> configuration section.</summary>
public sealed class EntranceOptions
{
    public const string Section = "Entrance";

    /// <summary>A StackExchange.Redis configuration string.</summary>
    public string Redis { get; set; } = "localhost:6379";

    /// <summary>A PEM file with the CA that signed Redis's TLS certificate (with <c>ssl=true</c> or <c>rediss://</c>).</summary>
    public string? RedisCaFile { get; set; }

    /// <summary>
    /// Where lookups go: <c>master</c>, or <c>replica</c> (a replica when one is up; Redis 7+). Dead marks always go to the
    /// master; the invalidation feed follows the lookups, so an invalidation never arrives before the data it announces.
    /// </summary>
    public string RedisReadFrom { get; set; } = "master";

    /// <summary>Register CLIENT TRACKING (Redis 6+) so raw writes to route keys invalidate without keyspace events.</summary>
    public bool ClientTracking { get; set; } = true;

    /// <summary>The client settings derived from the options above.</summary>
    internal Core.Store.RedisClientSettings RedisClient =>
        new(RedisCaFile, string.Equals(RedisReadFrom, "replica", StringComparison.OrdinalIgnoreCase));

    /// <summary>Prepended to every key and channel of the schema.</summary>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>How long a resolved host (or a "not found") is served from memory before Redis is asked again.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The TTL while changes are pushed (subscribed, and Redis emits keyspace events for the route keys): every write
    /// then invalidates at once, so the TTL is only a safety net and a longer one spares Redis. Set it equal to
    /// <see cref="CacheTtl"/> to always poll at that rate.
    /// </summary>
    public TimeSpan NotifiedCacheTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a host's last known answer is kept beyond its TTL, to serve while Redis cannot answer.</summary>
    public TimeSpan MaxStale { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most hosts (positive and negative answers) held in memory.</summary>
    public int CacheSizeLimit { get; set; } = 100_000;

    /// <summary>Most cache misses sent to Redis at once.</summary>
    public int MaxConcurrentLookups { get; set; } = 64;

    /// <summary>How long one Redis command may take before it counts as failed.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The circuit breaker in front of Redis lookups.</summary>
    public StoreBreakerOptions StoreBreaker { get; set; } = new();

    /// <summary>Budgets of cache misses that go to Redis, per client address and per router (flood protection).</summary>
    public LookupBudgetOptions LookupBudget { get; set; } = new();

    /// <summary>
    /// Keep an index of the wildcard route names and the catch-all that exist, so an unknown host costs one candidate's
    /// Redis reads instead of every parent's. Used only while changes are pushed (tracking or keyspace events).
    /// </summary>
    public bool WildcardIndex { get; set; } = true;

    /// <summary>How often the wildcard index is rebuilt by a SCAN (drops wildcards deleted since; additions arrive at once).</summary>
    public TimeSpan WildcardRescan { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Default load-balancing policy: <c>p2c</c>, <c>random</c> or <c>round-robin</c>.</summary>
    public string LoadBalancing { get; set; } = "p2c";

    /// <summary>Status for a host with no route (hipache used 400).</summary>
    public int UnknownHostStatus { get; set; } = 404;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a backend may stay silent (no response headers, no body bytes) before the request fails with 504.</summary>
    public TimeSpan BackendTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a failing backend stays out of rotation, on every router.</summary>
    public TimeSpan DeadBackendTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many other backends to try when a request could not be sent.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>On shutdown, how long in-flight requests may take to finish.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request body accepted; null for no limit (bodies are streamed, never buffered).</summary>
    public long? MaxRequestBodySize { get; set; }
}
