using System.Diagnostics;
using Entrance.Core.Store;

namespace Entrance.Router.Metrics;

/// <summary>Counts and times every Redis round trip the router makes through the store, without touching Core.</summary>
public sealed class MeteredRouteStore(IRouteStore inner, RouterMetrics metrics) : IRouteStore
{
    public bool IsConnected => inner.IsConnected;

    public async Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var ok = false;
        try
        {
            var record = await inner.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
            ok = true;
            return record;
        }
        finally
        {
            metrics.RedisCommand("resolve", ok, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    public async Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var ok = false;
        try
        {
            await inner.MarkDeadAsync(route, index, expiresAtUnixMs, cancellationToken).ConfigureAwait(false);
            ok = true;
        }
        finally
        {
            metrics.RedisCommand("mark_dead", ok, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
