using System.Diagnostics;
using Entrance.Router.Routing;

namespace Entrance.Router.Proxy;

/// <summary>
/// What happened to one proxied request, filled in by <see cref="ProxyPipeline"/> as it goes and read once at the end
/// by the metrics, the access log and the debug headers. One small object per request, held as an HttpContext feature,
/// so the facts are recorded in one place and none of the readers reaches into the pipeline.
/// </summary>
public sealed class ProxyRequest
{
    /// <summary>The <see cref="Error"/> when the client went away before an answer.</summary>
    public const string ClientAborted = "client-aborted";

    /// <summary>nginx's status for a request whose client closed the connection before the answer; logged and counted, never sent.</summary>
    public const int ClientClosedStatus = 499;

    public ProxyRequest()
        : this(DateTimeOffset.UtcNow)
    {
    }

    /// <param name="startedAtUtc">The wall-clock time of arrival, from the router's <see cref="TimeProvider"/>.</param>
    public ProxyRequest(DateTimeOffset startedAtUtc) => StartedAtUtc = startedAtUtc;

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the router took the request (durations are measured, not decided, so they stay on the Stopwatch).</summary>
    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>When the router took the request, for the access log.</summary>
    public DateTimeOffset StartedAtUtc { get; }

    /// <summary>The request id sent to the backend and written to the access log (the client's, or a new one).</summary>
    public string? RequestId { get; set; }

    /// <summary>The normalised host; null when the Host header was invalid.</summary>
    public string? Host { get; set; }

    /// <summary>Where the route answer came from; null when no lookup was made.</summary>
    public RouteLookupSource? CacheSource { get; set; }

    /// <summary>True when the lookup answered "no such host".</summary>
    public bool NotFound { get; set; }

    /// <summary>The matched route name (the host, a <c>*.</c> wildcard or <c>*</c>).</summary>
    public string? RouteName { get; set; }

    /// <summary>The Redis key the host matched (native or hipache, exact or wildcard).</summary>
    public string? MatchedKey { get; set; }

    /// <summary>The backend of the last attempt.</summary>
    public string? BackendUrl { get; set; }

    /// <summary>The HTTP version the backend answered with; null without an answer.</summary>
    public Version? BackendVersion { get; set; }

    /// <summary>A gRPC call's <c>grpc-status</c> (0-16 or "other"), read when the request ends; null for other requests.</summary>
    public string? GrpcStatus { get; set; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the first attempt was sent; 0 before.</summary>
    public long BackendStartedAt { get; set; }

    /// <summary>Stopwatch ticks spent in backend attempts (every attempt, retries included).</summary>
    public long BackendTicks { get; set; }

    /// <summary>How many times the request was sent again to another backend.</summary>
    public int Retries { get; set; }

    /// <summary>The router's reason (<c>X-Entrance-Error</c>) when it answered itself.</summary>
    public string? Error { get; set; }

    /// <summary>True once a WebSocket (or other upgrade) tunnel is open; it counts as open until the request ends.</summary>
    public bool Upgraded { get; set; }

    /// <summary>The route's <c>Strict-Transport-Security</c> value, set only when the request came over HTTPS.</summary>
    public string? Hsts { get; set; }

    /// <summary>Response body bytes sent to the client.</summary>
    public long BytesSent { get; set; }

    /// <summary>The lookup's result as metrics and the access log name it: hit, negative_hit, miss, stale; null without a lookup.</summary>
    public string? CacheResult => CacheSource switch
    {
        RouteLookupSource.Cache => NotFound ? "negative_hit" : "hit",
        RouteLookupSource.Store => "miss",
        RouteLookupSource.Stale => "stale",
        RouteLookupSource.OverBudget => "over_budget",
        _ => null,
    };

    public double BackendMs => BackendTicks * 1000.0 / Stopwatch.Frequency;

    public double ElapsedMs(long now) => (now - StartedAt) * 1000.0 / Stopwatch.Frequency;
}
