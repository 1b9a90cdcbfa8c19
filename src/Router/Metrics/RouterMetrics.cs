using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Metrics;

/// <summary>
/// Every instrument of the router, on one <see cref="Meter"/> named <c>Entrance</c>, created through this host's
/// <see cref="IMeterFactory"/> (several routers in one test process each export only their own). prometheus-net's
/// MeterAdapter names a metric <c>&lt;meter&gt;_&lt;instrument&gt;</c>, so instrument <c>requests_total</c> is exported as
/// <c>entrance_requests_total</c>. Tag values are constant strings, so recording allocates nothing.
/// </summary>
/// <remarks>
/// Every measurement of a listened-to instrument costs a call into the exporter (a locked cache lookup and a lease,
/// ~0.2 µs). What every request moves — requests by class, cache lookups, in-flight requests, WebSockets, retries —
/// is therefore counted with interlocked adds into fields that observable instruments read at scrape time; only the
/// two duration histograms are measured per request. Rarer events (errors, Redis round trips, invalidations, dead
/// marks) use ordinary counters.
/// </remarks>
public sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "Entrance";

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    private static readonly string[] CacheResults = ["hit", "negative_hit", "miss", "stale"];

    private readonly long[] _requests = new long[StatusClasses.Length];
    private readonly ConcurrentDictionary<string, Cell> _cacheLookups = new(StringComparer.Ordinal);
    private long _inFlight;
    private long _webSockets;
    private long _retries;
    private long _accessLogDropped;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _backendDuration;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _redisCommands;
    private readonly Histogram<double> _redisDuration;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _deadMarks;
    private readonly Counter<long>? _routeRequests;
    private readonly BoundedLabels? _routeLabels;

    public RouterMetrics(IOptions<MetricsOptions> options, IServiceProvider services, IMeterFactory meters)
    {
        var o = options.Value;
        foreach (var result in CacheResults)
        {
            _cacheLookups[result] = new Cell(); // every result shows from the start, at 0
        }

        Meter = meters.Create(new MeterOptions(MeterName));
        Meter.CreateObservableCounter("requests_total", ObserveRequests, description: "Requests answered on the proxy listener, by status class (code=\"2xx\"...).");
        _requestDuration = Meter.CreateHistogram<double>("request_duration_seconds", "s", "Time from taking a request to its last response byte, router total.");
        _backendDuration = Meter.CreateHistogram<double>("backend_duration_seconds", "s", "Time spent waiting on and streaming from backends per forwarded request (every attempt).");
        Meter.CreateObservableUpDownCounter("requests_in_flight", () => Volatile.Read(ref _inFlight), description: "Requests being handled right now.");
        Meter.CreateObservableUpDownCounter("websockets_open", () => Volatile.Read(ref _webSockets), description: "Open WebSocket (upgraded) connections.");
        Meter.CreateObservableCounter("cache_lookups_total", ObserveCacheLookups, description: "Route lookups by result: hit, negative_hit (cached \"no such host\"), miss (asked Redis), stale (Redis down, last known answer).");
        _errors = Meter.CreateCounter<long>("errors_total", description: "Failed requests by reason: the router's own answers (X-Entrance-Error), backend-error mid-response, client-aborted, exception.");
        Meter.CreateObservableCounter("retries_total", () => Volatile.Read(ref _retries), description: "Requests sent again to another backend after a failure.");
        _redisCommands = Meter.CreateCounter<long>("redis_commands_total", description: "Redis round trips by operation (resolve, mark_dead) and outcome (ok, error).");
        _redisDuration = Meter.CreateHistogram<double>("redis_duration_seconds", "s", "Redis round-trip latency by operation.");
        _invalidations = Meter.CreateCounter<long>("invalidations_total", description: "Invalidations received, by kind (route, all, resubscribed, subscription_lost) and origin (publish, keyspace, connection).");
        _deadMarks = Meter.CreateCounter<long>("dead_backend_marks_total", description: "Backends this router marked dead, by reason (connect_failure, connect_timeout, gateway_status).");
        Meter.CreateObservableCounter("access_log_dropped_total", () => Volatile.Read(ref _accessLogDropped), description: "Access-log lines dropped because the writer fell behind.");
        Meter.CreateObservableGauge("cache_entries", () => services.GetRequiredService<RouteCache>().Count, description: "Hosts held in the route cache (positive and negative answers).");
        Meter.CreateObservableGauge("redis_up", () => services.GetRequiredService<RouteCache>().StoreCircuitOpen ? 0 : 1, description: "1 while Redis is connected and its circuit breaker closed, else 0.");
        if (o.RouteLabels > 0)
        {
            _routeLabels = new BoundedLabels(o.RouteLabels);
            _routeRequests = Meter.CreateCounter<long>("route_requests_total", description: "Requests per matched route name; the first RouteLabels routes seen get a label, the rest count as route=\"other\".");
        }
    }

    public Meter Meter { get; }

    private IEnumerable<Measurement<long>> ObserveRequests()
    {
        var measurements = new Measurement<long>[StatusClasses.Length];
        for (var i = 0; i < measurements.Length; i++)
        {
            measurements[i] = new Measurement<long>(Interlocked.Read(ref _requests[i]), new KeyValuePair<string, object?>("code", StatusClasses[i]));
        }

        return measurements;
    }

    private IEnumerable<Measurement<long>> ObserveCacheLookups() =>
        _cacheLookups.Select(pair => new Measurement<long>(Interlocked.Read(ref pair.Value.Value), new KeyValuePair<string, object?>("result", pair.Key))).ToArray();

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Records a finished request from its facts.</summary>
    public void RequestFinished(ProxyRequest request, int status, long now)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _requests[status is >= 100 and <= 599 ? status / 100 - 1 : 4]);
        _requestDuration.Record((now - request.StartedAt) / (double)Stopwatch.Frequency);
        if (request.BackendStartedAt != 0)
        {
            _backendDuration.Record(request.BackendTicks / (double)Stopwatch.Frequency);
        }

        if (request.CacheResult is { } result)
        {
            var cell = _cacheLookups.TryGetValue(result, out var known) ? known : _cacheLookups.GetOrAdd(result, _ => new Cell());
            Interlocked.Increment(ref cell.Value);
        }

        if (request.Error is { } error)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("reason", error));
        }

        if (request.Retries > 0)
        {
            Interlocked.Add(ref _retries, request.Retries);
        }

        if (request.Upgraded)
        {
            Interlocked.Decrement(ref _webSockets);
        }

        if (_routeLabels is not null && request.RouteName is { } routeName)
        {
            _routeRequests!.Add(1, new KeyValuePair<string, object?>("route", _routeLabels.Get(routeName)));
        }
    }

    public void WebSocketOpened() => Interlocked.Increment(ref _webSockets);

    public void RedisCommand(string operation, bool ok, double seconds)
    {
        _redisCommands.Add(1, new KeyValuePair<string, object?>("op", operation), new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));
        _redisDuration.Record(seconds, new KeyValuePair<string, object?>("op", operation));
    }

    public void Invalidation(string kind, string origin) =>
        _invalidations.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("origin", origin));

    public void DeadMark(string reason) => _deadMarks.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void AccessLogDropped(int lines = 1) => Interlocked.Add(ref _accessLogDropped, lines);

    public void Dispose() => Meter.Dispose();

    /// <summary>A counter cell of its own, so an increment touches no dictionary entry's copy.</summary>
    private sealed class Cell
    {
        public long Value;
    }
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
