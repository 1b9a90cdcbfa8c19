using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.Metrics;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.DeadBackends;

/// <summary>Why a backend was taken out of rotation.</summary>
public enum DeadReason
{
    ConnectFailure,
    ConnectTimeout,

    /// <summary>502, 504, or 503 without Retry-After (a 503 with Retry-After is a maintenance page).</summary>
    GatewayStatus,

    /// <summary>Timeouts, resets or gateway statuses in a row (<c>Entrance:Outliers</c>).</summary>
    ConsecutiveGatewayFailures,
}

/// <summary>
/// Passive health checks: a failing backend leaves this router's rotation at once, and its dead mark goes to Redis
/// so every other router (and hipache's external checkers) learns of it.
/// </summary>
public sealed class DeadBackendReporter(IRouteStore store, IOptions<EntranceOptions> options, TimeProvider time, RouterMetrics metrics, ILogger<DeadBackendReporter> logger)
{
    private readonly long _ttlMs = (long)options.Value.DeadBackendTtl.TotalMilliseconds;

    /// <summary>Whether a backend's response status means the backend, not the request, is broken (hipache's rule).</summary>
    public static bool IsDeadStatus(int status, bool hasRetryAfter) =>
        status is StatusCodes.Status502BadGateway or StatusCodes.Status504GatewayTimeout
        || (status == StatusCodes.Status503ServiceUnavailable && !hasRetryAfter);

    public void Report(RouteEntry route, BackendState backend, DeadReason reason)
    {
        var until = time.GetUtcNow().ToUnixTimeMilliseconds() + _ttlMs;
        // Already marked with more than half the dead period left: no write. A backend that keeps failing while every
        // backend is out (panic mode still routes to it) is written and published once per half period, not per failure.
        if (!route.MarkDead(backend, until, renewWithinMs: _ttlMs / 2))
        {
            return;
        }

        metrics.DeadMark(reason switch
        {
            DeadReason.ConnectFailure => "connect_failure",
            DeadReason.ConnectTimeout => "connect_timeout",
            DeadReason.ConsecutiveGatewayFailures => "consecutive_failures",
            _ => "gateway_status",
        });
        logger.LogWarning("Backend {Backend} of {Route} marked dead for {Ttl} s: {Reason}", backend.Url, route.Record.RouteName, _ttlMs / 1000, reason);
        var index = route.RecordIndexOf(backend);
        _ = WriteAsync(route.Record, index, until);
    }

    private async Task WriteAsync(RouteRecord record, int index, long until)
    {
        try
        {
            await store.MarkDeadAsync(record, index, until).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // This router already routes around it; others find out by their own failures.
            logger.LogWarning("Could not share the dead mark of {Backend}: {Reason}", record.Backends[index], ex.Message);
        }
    }
}
