using Entrance.Core.Schema;

namespace Entrance.Core.Store;

/// <summary>The route stored under a route name, in both schemas, read for listing, export and diffs.</summary>
public sealed record RouteData(
    string Name,
    IReadOnlyList<string> NativeBackends,
    IReadOnlyList<string>? HipacheBackends,
    string? HipacheIdentifier,
    IReadOnlyDictionary<string, string> Settings,
    string? Owner)
{
    /// <summary>Backend URL → weight as stored in <c>entrance:weights</c> (integers only; absent backends weigh 1).</summary>
    public IReadOnlyDictionary<string, int> Weights { get; init; } = new Dictionary<string, int>();

    public bool HasNative => NativeBackends.Count > 0;

    public bool HasHipache => HipacheBackends is not null;

    /// <summary>The schema a router serves this name from: native wins, then hipache, else declared (settings only).</summary>
    public RouteSchema Schema => HasNative ? RouteSchema.Native : HasHipache ? RouteSchema.Hipache : RouteSchema.Declared;

    /// <summary>The backends a router uses for this exact name.</summary>
    public IReadOnlyList<string> EffectiveBackends => HasNative ? NativeBackends : HipacheBackends ?? [];

    public string? LoadBalancing => Settings.TryGetValue(RedisKeys.LbField, out var lb) && lb.Length > 0 ? lb : null;

    /// <summary>True when nothing at all is stored under this name.</summary>
    public bool IsEmpty => !HasNative && !HasHipache && Settings.Count == 0;
}
