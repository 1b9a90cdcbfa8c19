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

    /// <summary>The route's load-balancing policy name, when set.</summary>
    public string? LoadBalancing => Settings.TryGetValue(SchemaKeys.LbField, out var lb) && lb.Length > 0 ? lb : null;
}
