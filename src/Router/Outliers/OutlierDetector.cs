using System.Collections.Concurrent;
using Entrance.Router.DeadBackends;
using Entrance.Router.Fleet;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Outliers;

/// <summary>
/// Passive outlier detection beyond refused connections: a backend that accepts and then fails (never answers within
/// <c>BackendTimeout</c>, resets, answers 502/503/504) <see cref="OutlierOptions.ConsecutiveGatewayFailures"/> times in a
/// row on this router is marked dead on every router through <see cref="DeadBackendReporter"/>, unless that would put
/// more than <see cref="OutlierOptions.MaxEjectionPercent"/> of its route's backends out at once. Any success resets the count.
/// </summary>
public sealed class OutlierDetector(DeadBackendReporter deadBackends, IOptions<OutlierOptions> options, TimeProvider time, FleetMetrics metrics, ILogger<OutlierDetector> logger)
{
    private readonly int _threshold = options.Value.ConsecutiveGatewayFailures;
    private readonly int _maxPercent = options.Value.MaxEjectionPercent;

    // Only backends with failures in a row are here, so the success path is one read while nothing fails.
    private readonly ConcurrentDictionary<BackendState, StrongBox> _failures = new();
    private int _tracked;

    /// <summary>Records one forwarding attempt's outcome (status is the backend's, when it answered).</summary>
    public void Record(RouteEntry route, BackendState backend, ForwarderError error, int status, bool clientGone)
    {
        if (_threshold <= 0)
        {
            return;
        }

        if (error == ForwarderError.None && status is not (502 or 503 or 504))
        {
            if (Volatile.Read(ref _tracked) != 0 && _failures.TryRemove(backend, out _))
            {
                Interlocked.Decrement(ref _tracked);
            }

            return;
        }

        if (clientGone || !IsGatewayFailure(error, status))
        {
            return; // the client's doing, or nothing was sent (refusals are marked at once elsewhere)
        }

        var count = _failures.GetOrAdd(backend, static (_, d) => { Interlocked.Increment(ref d._tracked); return new StrongBox(); }, this);
        if (Interlocked.Increment(ref count.Value) < _threshold)
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = route.Live(now, out var panic);
        var dead = panic ? route.Backends.Length : route.Backends.Length - live.Length;
        if ((dead + 1) * 100 > route.Backends.Length * _maxPercent)
        {
            // Kept counting: ejected once the others come back. Logged at debug: it repeats on every failure.
            metrics.Ejection(capped: true);
            logger.LogDebug("Backend {Backend} of {Route} failed {Count} times in a row but {Dead} of {Total} backends are out already (MaxEjectionPercent)",
                backend.Url, route.Record.RouteName, count.Value, dead, route.Backends.Length);
            return;
        }

        if (_failures.TryRemove(backend, out _))
        {
            Interlocked.Decrement(ref _tracked);
        }

        metrics.Ejection(capped: false);
        deadBackends.Report(route, backend, DeadReason.ConsecutiveGatewayFailures);
    }

    /// <summary>The backend's consecutive failures on this router now, for tests and introspection.</summary>
    public int FailuresOf(BackendState backend) => _failures.TryGetValue(backend, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>The backend, not the client, failed after the request was sent.</summary>
    internal static bool IsGatewayFailure(ForwarderError error, int status) => error switch
    {
        ForwarderError.None => status is 502 or 503 or 504,
        // YARP's "destination" is the backend, its "client" the client.
        ForwarderError.RequestTimedOut or ForwarderError.Request or ForwarderError.RequestBodyDestination or ForwarderError.ResponseHeaders
            or ForwarderError.ResponseBodyDestination or ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination => true,
        _ => false,
    };

    private sealed class StrongBox
    {
        public int Value;
    }
}
