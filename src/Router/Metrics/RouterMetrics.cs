using System.Diagnostics;
using Entrance.Hosting.Metrics;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Entrance.Router.Metrics;

/// <summary>
/// Every metric of the router, as prometheus-net counters, gauges and histograms in this host's registry (several
/// routers in one test process each export only their own), so Prometheus sees their real types.
/// </summary>
/// <remarks>
/// The request path touches only pre-resolved children: one per status class and per cache result, made at start so
/// every documented series shows from the first scrape at 0; open label sets (error reasons, Redis operations,
/// invalidations, dead marks, routes) resolve a child at their first event and keep it. Label values are constant
/// strings, so recording allocates nothing.
/// </remarks>
public sealed class RouterMetrics
{
    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    private static readonly string[] CacheResults = ["hit", "negative_hit", "miss", "stale"];

    private readonly Counter.Child[] _requests;
    private readonly Counter.Child[] _cacheLookups;
    private readonly LabelledChildren<string, Counter.Child> _otherCacheLookups;
    private readonly Histogram _requestDuration;
    private readonly Histogram _backendDuration;
    private readonly Gauge _inFlight;
    private readonly Gauge _webSockets;
    private readonly Counter _retries;
    private readonly Counter _accessLogDropped;
    private readonly LabelledChildren<string, Counter.Child> _errors;
    private readonly LabelledChildren<(string Op, bool Ok), Counter.Child> _redisCommands;
    private readonly LabelledChildren<string, Histogram.Child> _redisDuration;
    private readonly LabelledChildren<(string Kind, string Origin), Counter.Child> _invalidations;
    private readonly LabelledChildren<string, Counter.Child> _deadMarks;
    private readonly LabelledChildren<string, Counter.Child> _proxyProtocolRejected;
    private readonly LabelledChildren<(string In, string Out), Counter.Child> _protocols;
    private readonly LabelledChildren<string, Counter.Child> _grpcStatuses;
    private readonly LabelledChildren<string, Counter.Child>? _routeRequests;
    private readonly BoundedLabels? _routeLabels;

    public RouterMetrics(IOptions<MetricsOptions> options, PrometheusExport export, IServiceProvider services)
    {
        var f = export.Factory;
        var seconds = new HistogramConfiguration { Buckets = MetricsExportOptions.DurationBuckets };

        var requests = f.CreateCounter("entrance_requests_total", "Requests answered on the proxy listener, by status class (code=\"2xx\"...).", ["code"]);
        _requests = Array.ConvertAll(StatusClasses, c => requests.WithLabels(c));
        _requestDuration = f.CreateHistogram("entrance_request_duration_seconds", "Time from taking a request to its last response byte, router total.", seconds);
        _backendDuration = f.CreateHistogram("entrance_backend_duration_seconds", "Time spent waiting on and streaming from backends per forwarded request (every attempt).", seconds);
        _inFlight = f.CreateGauge("entrance_requests_in_flight", "Requests being handled right now.");
        _webSockets = f.CreateGauge("entrance_websockets_open", "Open WebSocket (upgraded) connections.");
        var lookups = f.CreateCounter("entrance_cache_lookups_total", "Route lookups by result: hit, negative_hit (cached \"no such host\"), miss (asked Redis), stale (Redis down, last known answer).", ["result"]);
        _cacheLookups = Array.ConvertAll(CacheResults, r => lookups.WithLabels(r));
        _otherCacheLookups = new(r => lookups.WithLabels(r));
        var errors = f.CreateCounter("entrance_errors_total", "Failed requests by reason: the router's own answers (X-Entrance-Error), backend-error mid-response, client-aborted, exception.", ["reason"]);
        _errors = new(reason => errors.WithLabels(reason));
        _retries = f.CreateCounter("entrance_retries_total", "Requests sent again to another backend after a failure.");
        var redisCommands = f.CreateCounter("entrance_redis_commands_total", "Redis round trips by operation (resolve, mark_dead) and outcome (ok, error).", ["op", "outcome"]);
        _redisCommands = new(key => redisCommands.WithLabels(key.Op, key.Ok ? "ok" : "error"));
        var redisDuration = f.CreateHistogram("entrance_redis_duration_seconds", "Redis round-trip latency by operation.", ["op"], seconds);
        _redisDuration = new(op => redisDuration.WithLabels(op));
        var invalidations = f.CreateCounter("entrance_invalidations_total", "Invalidations received, by kind (route, all, resubscribed, subscription_lost) and origin (publish, keyspace, connection).", ["kind", "origin"]);
        _invalidations = new(key => invalidations.WithLabels(key.Kind, key.Origin));
        var deadMarks = f.CreateCounter("entrance_dead_backend_marks_total", "Backends this router marked dead, by reason (connect_failure, connect_timeout, gateway_status).", ["reason"]);
        _deadMarks = new(reason => deadMarks.WithLabels(reason));
        var proxyProtocolRejected = f.CreateCounter("entrance_proxy_protocol_rejected_total", "Connections closed by the PROXY protocol check, by reason: untrusted, missing, malformed, timeout.", ["reason"]);
        _proxyProtocolRejected = new(reason => proxyProtocolRejected.WithLabels(reason));
        var protocols = f.CreateCounter("entrance_protocol_requests_total", "Requests by the client's protocol (in: HTTP/1.1, HTTP/2...) and the backend's (out: HTTP/1.1, h2c, h2, none when no backend answered).", ["in", "out"]);
        _protocols = new(key => protocols.WithLabels(key.In, key.Out));
        var grpcStatuses = f.CreateCounter("entrance_grpc_responses_total", "gRPC calls by grpc-status (0-16, other), the backend's or the router's own.", ["grpc_status"]);
        _grpcStatuses = new(status => grpcStatuses.WithLabels(status));
        _accessLogDropped = f.CreateCounter("entrance_access_log_dropped_total", "Access-log lines dropped because the writer fell behind.");
        var cacheEntries = f.CreateGauge("entrance_cache_entries", "Hosts held in the route cache (positive and negative answers).");
        var redisUp = f.CreateGauge("entrance_redis_up", "1 while Redis is connected and its circuit breaker closed, else 0.");
        var budgetRejections = f.CreateCounter("entrance_lookup_budget_rejections_total", "Cache misses answered 503 lookup-budget without Redis, by the budget that was spent (client, router).", ["scope"]);
        var clientRejections = budgetRejections.WithLabels("client");
        var routerRejections = budgetRejections.WithLabels("router");
        if (options.Value.RouteLabels > 0)
        {
            _routeLabels = new BoundedLabels(options.Value.RouteLabels);
            var routeRequests = f.CreateCounter("entrance_route_requests_total", "Requests per matched route name; the first RouteLabels routes seen get a label, the rest count as route=\"other\".", ["route"]);
            _routeRequests = new(route => routeRequests.WithLabels(route));
        }

        // The cache is read at scrape time, and resolved late: it records into these metrics itself.
        export.Registry.AddBeforeCollectCallback(() =>
        {
            if (services.GetService<RouteCache>() is { } cache)
            {
                cacheEntries.Set(cache.Count);
                redisUp.Set(cache.StoreCircuitOpen ? 0 : 1);
                clientRejections.IncTo(cache.Budget.ClientRejections);
                routerRejections.IncTo(cache.Budget.RouterRejections);
            }
        });
    }

    public void RequestStarted() => _inFlight.Inc();

    /// <summary>Records a finished request from its facts.</summary>
    public void RequestFinished(ProxyRequest request, int status, long now)
    {
        _inFlight.Dec();
        _requests[status is >= 100 and <= 599 ? status / 100 - 1 : 4].Inc();
        _requestDuration.Observe((now - request.StartedAt) / (double)Stopwatch.Frequency);
        if (request.BackendStartedAt != 0)
        {
            _backendDuration.Observe(request.BackendTicks / (double)Stopwatch.Frequency);
        }

        if (request.CacheResult is { } result)
        {
            CacheLookup(result).Inc();
        }

        if (request.Error is { } error)
        {
            _errors.Get(error).Inc();
        }

        if (request.Retries > 0)
        {
            _retries.Inc(request.Retries);
        }

        if (request.Upgraded)
        {
            _webSockets.Dec();
        }

        if (_routeLabels is not null && request.RouteName is { } routeName)
        {
            _routeRequests!.Get(_routeLabels.Get(routeName)).Inc();
        }
    }

    /// <summary>Counts each side's protocol and a gRPC call's status; every label is one of a few constants (see <see cref="Grpc.ProtocolLabels"/>).</summary>
    public void Protocols(string inbound, ProxyRequest request)
    {
        _protocols.Get((Grpc.ProtocolLabels.Inbound(inbound), Grpc.ProtocolLabels.Outbound(request) ?? "none")).Inc();
        if (request.GrpcStatus is { } status)
        {
            _grpcStatuses.Get(status).Inc();
        }
    }

    private Counter.Child CacheLookup(string result) => result switch
    {
        "hit" => _cacheLookups[0],
        "negative_hit" => _cacheLookups[1],
        "miss" => _cacheLookups[2],
        "stale" => _cacheLookups[3],
        _ => _otherCacheLookups.Get(result),
    };

    public void WebSocketOpened() => _webSockets.Inc();

    public void RedisCommand(string operation, bool ok, double seconds)
    {
        _redisCommands.Get((operation, ok)).Inc();
        _redisDuration.Get(operation).Observe(seconds);
    }

    public void Invalidation(string kind, string origin) => _invalidations.Get((kind, origin)).Inc();

    public void DeadMark(string reason) => _deadMarks.Get(reason).Inc();

    public void ProxyProtocolRejected(string reason) => _proxyProtocolRejected.Get(reason).Inc();

    public void AccessLogDropped(int lines = 1) => _accessLogDropped.Inc(lines);
}
