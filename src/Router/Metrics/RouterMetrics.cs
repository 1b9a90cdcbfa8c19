using System.Diagnostics;
using System.Diagnostics.Metrics;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Metrics;

/// <summary>
/// Every instrument of the router, on one <see cref="Meter"/> owned by this instance (several routers in one test
/// process each see only their own). Names are Prometheus names; <see cref="PrometheusCollector"/> adds <c>_total</c>
/// to counters. Tag values are constant strings, so recording allocates nothing.
/// </summary>
public sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "Entrance.Router";

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _backendDuration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly UpDownCounter<long> _webSockets;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _redisCommands;
    private readonly Histogram<double> _redisDuration;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _deadMarks;
    private readonly Counter<long> _accessLogDropped;
    private readonly Counter<long>? _routeRequests;
    private readonly BoundedLabels? _routeLabels;

    public RouterMetrics(IOptions<MetricsOptions> options, IServiceProvider services)
    {
        var o = options.Value;
        Meter = new Meter(MeterName);
        _requests = Meter.CreateCounter<long>("entrance_requests", description: "Requests answered on the proxy listener, by status class (code=\"2xx\"...).");
        _requestDuration = Meter.CreateHistogram<double>("entrance_request_duration_seconds", "s", "Time from taking a request to its last response byte, router total.");
        _backendDuration = Meter.CreateHistogram<double>("entrance_backend_duration_seconds", "s", "Time spent waiting on and streaming from backends per forwarded request (every attempt).");
        _inFlight = Meter.CreateUpDownCounter<long>("entrance_requests_in_flight", description: "Requests being handled right now.");
        _webSockets = Meter.CreateUpDownCounter<long>("entrance_websockets_open", description: "Open WebSocket (upgraded) connections.");
        _cacheLookups = Meter.CreateCounter<long>("entrance_cache_lookups", description: "Route lookups by result: hit, negative_hit (cached \"no such host\"), miss (asked Redis), stale (Redis down, last known answer).");
        _errors = Meter.CreateCounter<long>("entrance_errors", description: "Failed requests by reason: the router's own answers (X-Entrance-Error), backend-error mid-response, client-aborted, exception.");
        _retries = Meter.CreateCounter<long>("entrance_retries", description: "Requests sent again to another backend after a failure.");
        _redisCommands = Meter.CreateCounter<long>("entrance_redis_commands", description: "Redis round trips by operation (resolve, mark_dead) and outcome (ok, error).");
        _redisDuration = Meter.CreateHistogram<double>("entrance_redis_duration_seconds", "s", "Redis round-trip latency by operation.");
        _invalidations = Meter.CreateCounter<long>("entrance_invalidations", description: "Invalidations received, by kind (route, all, resubscribed, subscription_lost) and origin (publish, keyspace, connection).");
        _deadMarks = Meter.CreateCounter<long>("entrance_dead_backend_marks", description: "Backends this router marked dead, by reason (connect_failure, connect_timeout, gateway_status).");
        _accessLogDropped = Meter.CreateCounter<long>("entrance_access_log_dropped", description: "Access-log lines dropped because the writer fell behind.");
        Meter.CreateObservableGauge("entrance_cache_entries", () => services.GetRequiredService<RouteCache>().Count, description: "Hosts held in the route cache (positive and negative answers).");
        Meter.CreateObservableGauge("entrance_redis_up", () => services.GetRequiredService<RouteCache>().StoreCircuitOpen ? 0 : 1, description: "1 while Redis is connected and its circuit breaker closed, else 0.");
        AddProcessInstruments(Meter);
        if (o.RouteLabels > 0)
        {
            _routeLabels = new BoundedLabels(o.RouteLabels);
            _routeRequests = Meter.CreateCounter<long>("entrance_route_requests", description: "Requests per matched route name; the first RouteLabels routes seen get a label, the rest count as route=\"other\".");
        }

    }

    public Meter Meter { get; }

    /// <summary>What every Prometheus client library exports about its process: CPU, memory, the GC and the thread pool.</summary>
    private static void AddProcessInstruments(Meter meter)
    {
        meter.CreateObservableCounter("process_cpu_seconds", () => Environment.CpuUsage.TotalTime.TotalSeconds, description: "User and system CPU time spent, in seconds.");
        meter.CreateObservableGauge("process_resident_memory_bytes", () => Environment.WorkingSet, description: "Resident memory size in bytes.");
        meter.CreateObservableCounter("dotnet_gc_allocated_bytes", () => GC.GetTotalAllocatedBytes(), description: "Bytes allocated on the managed heap since the start.");
        meter.CreateObservableCounter("dotnet_gc_collections", () => new[]
        {
            new Measurement<int>(GC.CollectionCount(0), new KeyValuePair<string, object?>("generation", "0")),
            new Measurement<int>(GC.CollectionCount(1), new KeyValuePair<string, object?>("generation", "1")),
            new Measurement<int>(GC.CollectionCount(2), new KeyValuePair<string, object?>("generation", "2")),
        }, description: "Garbage collections by generation since the start.");
        meter.CreateObservableGauge("dotnet_gc_heap_bytes", () => GC.GetTotalMemory(forceFullCollection: false), description: "Bytes on the managed heap.");
        meter.CreateObservableGauge("dotnet_threadpool_threads", () => ThreadPool.ThreadCount, description: "Thread-pool threads.");
        meter.CreateObservableCounter("dotnet_threadpool_work_items", () => ThreadPool.CompletedWorkItemCount, description: "Work items the thread pool has run (socket completions run inline do not count).");
        meter.CreateObservableGauge("dotnet_threadpool_queue_length", () => ThreadPool.PendingWorkItemCount, description: "Work items waiting for a thread-pool thread.");
    }

    public void RequestStarted() => _inFlight.Add(1);

    /// <summary>Records a finished request from its facts.</summary>
    public void RequestFinished(ProxyRequest request, int status, long now)
    {
        _inFlight.Add(-1);
        var statusClass = status is >= 100 and <= 599 ? StatusClasses[status / 100 - 1] : "5xx";
        _requests.Add(1, new KeyValuePair<string, object?>("code", statusClass));
        _requestDuration.Record((now - request.StartedAt) / (double)Stopwatch.Frequency);
        if (request.BackendStartedAt != 0)
        {
            _backendDuration.Record(request.BackendTicks / (double)Stopwatch.Frequency);
        }

        if (request.CacheResult is { } result)
        {
            _cacheLookups.Add(1, new KeyValuePair<string, object?>("result", result));
        }

        if (request.Error is { } error)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("reason", error));
        }

        if (request.Retries > 0)
        {
            _retries.Add(request.Retries);
        }

        if (request.Upgraded)
        {
            _webSockets.Add(-1);
        }

        if (_routeLabels is not null && request.RouteName is { } routeName)
        {
            _routeRequests!.Add(1, new KeyValuePair<string, object?>("route", _routeLabels.Get(routeName)));
        }
    }

    public void WebSocketOpened() => _webSockets.Add(1);

    public void RedisCommand(string operation, bool ok, double seconds)
    {
        _redisCommands.Add(1, new KeyValuePair<string, object?>("op", operation), new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));
        _redisDuration.Record(seconds, new KeyValuePair<string, object?>("op", operation));
    }

    public void Invalidation(string kind, string origin) =>
        _invalidations.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("origin", origin));

    public void DeadMark(string reason) => _deadMarks.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void AccessLogDropped(int lines = 1) => _accessLogDropped.Add(lines);

    public void Dispose() => Meter.Dispose();
}

/// <summary>Label values for the first <c>limit</c> distinct names; every later name shares <c>other</c>, so series stay bounded.</summary>
public sealed class BoundedLabels(int limit)
{
    public const string Other = "other";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);

    public string Get(string name)
    {
        if (_known.TryGetValue(name, out var label))
        {
            return label;
        }

        // The count check races with other adders; the overshoot is at most one per concurrent caller.
        return _known.Count < limit ? _known.GetOrAdd(name, name) : Other;
    }
}
