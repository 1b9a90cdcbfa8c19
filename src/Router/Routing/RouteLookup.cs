namespace Entrance.Router.Routing;

/// <summary>Where an answer came from.</summary>
public enum RouteLookupSource
{
    /// <summary>A fresh cache entry.</summary>
    Cache,

    /// <summary>A Redis round trip made for this request (or one it joined).</summary>
    Store,

    /// <summary>Redis could not answer; the last known answer, past its TTL.</summary>
    Stale,

    /// <summary>A miss over the lookup budget (<see cref="LookupBudget"/>): no answer, and Redis was not asked.</summary>
    OverBudget,
}

/// <summary>A host's answer: its route (null for "no such host"), where the answer came from, and the cached slot behind it.</summary>
public readonly record struct RouteLookup(RouteEntry? Entry, RouteLookupSource Source, CacheSlot<RouteEntry> Slot);
