namespace Entrance.Syncer.Mapping;

/// <summary>
/// A route (an exact host or a wildcard) as Kubernetes wants it. <see cref="Settings"/> always carries <c>source</c>
/// (the object that publishes the route), so the settings hash exists even with no ready backend: the route stays
/// declared and routers answer 502 no-backends instead of 404 or a wildcard's backends.
/// </summary>
public sealed record DesiredRoute(string Name, IReadOnlyList<string> Backends, IReadOnlyDictionary<string, string> Settings, string Source)
{
    public bool SameAs(DesiredRoute other) =>
        Name == other.Name && Backends.SequenceEqual(other.Backends) &&
        Settings.Count == other.Settings.Count && Settings.All(s => other.Settings.TryGetValue(s.Key, out var v) && v == s.Value);
}

/// <summary>The desired routes plus the problems found on the way (logged once each by the caller).</summary>
public sealed record MappingResult(IReadOnlyDictionary<string, DesiredRoute> Routes, IReadOnlyList<string> Warnings);
