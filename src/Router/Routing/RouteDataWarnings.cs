using System.Collections.Concurrent;

namespace Entrance.Router.Routing;

/// <summary>At most one warning per host per <see cref="Interval"/> about route data the router ignores (a bad weight...), so a bad field written by hand does not log a line per cache fill.</summary>
internal sealed class RouteDataWarnings
{
    public static readonly long Interval = 60_000;

    private const int MaxHosts = 10_000;

    private readonly ConcurrentDictionary<string, long> _lastMs = new(StringComparer.Ordinal);

    public bool ShouldWarn(string host, long nowMs)
    {
        if (_lastMs.TryGetValue(host, out var last) && nowMs - last < Interval)
        {
            return false;
        }

        if (_lastMs.Count >= MaxHosts)
        {
            _lastMs.Clear(); // bounded: a flood of bad hosts costs a few extra lines, never memory
        }

        _lastMs[host] = nowMs;
        return true;
    }
}
