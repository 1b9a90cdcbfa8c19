using SchemaKeys = Entrance.Core.Schema.RedisKeys;

namespace Entrance.Core.Store;

/// <summary>Which schema a route was found in.</summary>
public enum RouteSchema
{
    /// <summary><c>entrance:backends:&lt;route name&gt;</c> SET.</summary>
    Native,

    /// <summary>hipache's <c>frontend:&lt;route name&gt;</c> LIST.</summary>
    Hipache,

    /// <summary>Only <c>entrance:host:&lt;route name&gt;</c> exists: the route is declared but has no backends.</summary>
    Declared,
}

/// <summary>A backend marked dead, until <see cref="ExpiresAtUnixMs"/> (<see cref="long.MaxValue"/> when the mark has no expiry).</summary>
public readonly record struct DeadMark(string Url, int Index, long ExpiresAtUnixMs);

/// <summary>The route that serves a host: the matched route name, its backends, settings and dead marks.</summary>
public sealed record RouteRecord(
    string RouteName,
    string MatchedKey,
    RouteSchema Schema,
    IReadOnlyList<string> Backends,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<DeadMark> Dead)
{
    /// <summary>hipache's frontend identifier (first element of the list); null for native routes.</summary>
    public string? Identifier { get; init; }

    /// <summary>What is wrong with the route's data in Redis (a key of the wrong type); routers answer 502 bad-route. Null when nothing.</summary>
    public string? Problem { get; init; }

    /// <summary>Per backend (aligned with <see cref="Backends"/>), its weight 0..10000; empty when every weight is 1.</summary>
    public IReadOnlyList<int> Weights { get; init; } = [];

    /// <summary>
    /// Per backend (aligned with <see cref="Backends"/>), the ms its registration had left by Redis's clock when read
    /// (&lt;= 0: expired; <see cref="long.MaxValue"/>: never expires); empty when no backend expires.
    /// </summary>
    public IReadOnlyList<long> ExpiresInMs { get; init; } = [];

    /// <summary>The path routes under this host route name that have backends, longest prefix first.</summary>
    public IReadOnlyList<RouteRecord> Paths { get; init; } = [];

    /// <summary>For a path route, its prefix (<c>/api</c>); null for a host route.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Fields found unusable and ignored (a weight out of range...), to be logged and reported.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>A path route with <c>strip_prefix 1</c>: its prefix is removed from the path before forwarding.</summary>
    public bool StripPrefix => PathPrefix is not null && Settings.TryGetValue(SchemaKeys.StripPrefixField, out var v) && v == "1";

    /// <summary>A path route with <c>path_exact 1</c>: it matches only its prefix exactly (Ingress pathType Exact).</summary>
    public bool PathExact => PathPrefix is not null && Settings.TryGetValue(SchemaKeys.PathExactField, out var v) && v == "1";

    /// <summary>The route's load-balancing policy name, when set.</summary>
    public string? LoadBalancing => Settings.TryGetValue(SchemaKeys.LbField, out var lb) && lb.Length > 0 ? lb : null;
}
