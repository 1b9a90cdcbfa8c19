using System.Diagnostics;
using Entrance.Router.Metrics;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;

namespace Entrance.Router.Tests.Metrics;

/// <summary>RouterMetrics through its real Prometheus export, without a router: names, labels, buckets and exact counts.</summary>
public class RouterMetricsTests
{
    private static ProxyRequest Request(RouteLookupSource? source = RouteLookupSource.Cache, bool backend = true, int retries = 0, string? error = null) => new()
    {
        CacheSource = source,
        BackendStartedAt = backend ? Stopwatch.GetTimestamp() : 0,
        BackendTicks = backend ? Stopwatch.Frequency / 100 : 0, // 10 ms
        Retries = retries,
        Error = error,
    };

    [Fact]
    public async Task Scrape_NoTraffic_EveryStatusClassAndCacheResultAtZero()
    {
        using var harness = new MetricsHarness();

        var metrics = await harness.ScrapeAsync();

        foreach (var code in new[] { "1xx", "2xx", "3xx", "4xx", "5xx" })
        {
            Assert.Equal(0, metrics.Value("entrance_requests_total", "code=" + code));
        }

        foreach (var result in new[] { "hit", "negative_hit", "miss", "stale" })
        {
            Assert.Equal(0, metrics.Value("entrance_cache_lookups_total", "result=" + result));
        }

        Assert.Equal(0, metrics.Value("entrance_requests_in_flight"));
        Assert.Equal(0, metrics.Value("entrance_websockets_open"));
        Assert.Equal(0, metrics.Value("entrance_retries_total"));
        Assert.Equal(0, metrics.Value("entrance_access_log_dropped_total"));
        Assert.Equal(0, metrics.Value("entrance_request_duration_seconds_count"));
        Assert.Equal(0, metrics.Value("entrance_backend_duration_seconds_bucket", "le=+Inf"));
        Assert.False(metrics.Has("entrance_errors_total", "reason=unknown-host"), "a labelled counter appears with its first event");
    }

    [Fact]
    public async Task Scrape_NoTraffic_MetricsTypedCounterGaugeHistogram()
    {
        using var harness = new MetricsHarness("Entrance:Metrics:RouteLabels=2");
        harness.Metrics.Invalidation("route", "publish");
        harness.Metrics.DeadMark("connect_failure");

        var text = await harness.Export.RenderAsync();
        var types = Exposition.Parse(text).Types;

        foreach (var counter in new[] { "requests_total", "cache_lookups_total", "errors_total", "retries_total", "redis_commands_total", "invalidations_total", "dead_backend_marks_total", "access_log_dropped_total", "route_requests_total" })
        {
            Assert.Equal("counter", types["entrance_" + counter]);
        }

        foreach (var gauge in new[] { "requests_in_flight", "websockets_open", "cache_entries", "redis_up" })
        {
            Assert.Equal("gauge", types["entrance_" + gauge]);
        }

        foreach (var histogram in new[] { "request_duration_seconds", "backend_duration_seconds", "redis_duration_seconds" })
        {
            Assert.Equal("histogram", types["entrance_" + histogram]);
        }

        Assert.Contains("# TYPE entrance_requests_total counter\nentrance_requests_total{code=\"1xx\"} 0\n", text);
    }

    [Fact]
    public async Task RequestFinished_TwoHostsInOneProcess_EachCountsOnlyItsOwn()
    {
        using var mine = new MetricsHarness();
        using var theirs = new MetricsHarness();

        mine.Metrics.RequestFinished(Request(), 200, Stopwatch.GetTimestamp());
        theirs.Metrics.RequestFinished(Request(), 200, Stopwatch.GetTimestamp());
        theirs.Metrics.RequestFinished(Request(), 200, Stopwatch.GetTimestamp());

        Assert.Equal(1, (await mine.ScrapeAsync()).Value("entrance_requests_total", "code=2xx"));
        Assert.Equal(2, (await theirs.ScrapeAsync()).Value("entrance_requests_total", "code=2xx"));
        using var scrape = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(scrape);
        Assert.DoesNotContain("entrance_", System.Text.Encoding.UTF8.GetString(scrape.ToArray()));
    }

    [Fact]
    public async Task RequestFinished_KnownRequests_ExactCountsByClassResultAndReason()
    {
        using var harness = new MetricsHarness();
        var m = harness.Metrics;
        for (var i = 0; i < 3; i++)
        {
            m.RequestStarted();
        }

        m.RequestFinished(Request(), 200, Stopwatch.GetTimestamp());
        m.RequestFinished(Request(RouteLookupSource.Store, retries: 2), 502, Stopwatch.GetTimestamp());
        m.RequestFinished(Request(null, backend: false, error: "invalid-host"), 400, Stopwatch.GetTimestamp());
        m.RequestStarted();
        m.RequestFinished(Request(), 999, Stopwatch.GetTimestamp()); // out of range counts as 5xx

        var metrics = await harness.ScrapeAsync();

        Assert.Equal(1, metrics.Value("entrance_requests_total", "code=2xx"));
        Assert.Equal(1, metrics.Value("entrance_requests_total", "code=4xx"));
        Assert.Equal(2, metrics.Value("entrance_requests_total", "code=5xx"));
        Assert.Equal(2, metrics.Value("entrance_cache_lookups_total", "result=hit"));
        Assert.Equal(1, metrics.Value("entrance_cache_lookups_total", "result=miss"));
        Assert.Equal(2, metrics.Value("entrance_retries_total"));
        Assert.Equal(1, metrics.Value("entrance_errors_total", "reason=invalid-host"));
        Assert.Equal(0, metrics.Value("entrance_requests_in_flight"));
        Assert.Equal(4, metrics.Value("entrance_request_duration_seconds_count"));
        Assert.Equal(3, metrics.Value("entrance_backend_duration_seconds_count"));
        Assert.Equal(3, metrics.Value("entrance_backend_duration_seconds_bucket", "le=0.01"));
        Assert.Equal(0, metrics.Value("entrance_backend_duration_seconds_bucket", "le=0.005"));
        Assert.Equal(0.03, metrics.Value("entrance_backend_duration_seconds_sum"), 6);
    }

    [Fact]
    public async Task Histograms_DocumentedBucketsAndLabelsBeforeLe()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RedisCommand("resolve", ok: true, 0.2);

        var text = await harness.Export.RenderAsync();
        var metrics = Exposition.Parse(text);

        Assert.Equal("histogram", metrics.Types["entrance_redis_duration_seconds"]);
        string[] bounds = ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "+Inf"];
        Assert.Equal(bounds.Length, metrics.SampleKeys.Count(k => k.StartsWith("entrance_redis_duration_seconds_bucket{", StringComparison.Ordinal)));
        foreach (var le in bounds)
        {
            Assert.Equal(double.Parse(le.Replace("+Inf", "Infinity"), System.Globalization.CultureInfo.InvariantCulture) >= 0.2 ? 1 : 0,
                metrics.Value("entrance_redis_duration_seconds_bucket", "op=resolve", "le=" + le));
        }

        Assert.Contains("entrance_redis_duration_seconds_bucket{op=\"resolve\",le=\"0.25\"} 1\n", text);
        foreach (var unlabelled in new[] { "entrance_request_duration_seconds", "entrance_backend_duration_seconds" })
        {
            Assert.Equal("histogram", metrics.Types[unlabelled]);
            Assert.Equal(bounds.Length, metrics.SampleKeys.Count(k => k.StartsWith(unlabelled + "_bucket{", StringComparison.Ordinal)));
            foreach (var le in bounds)
            {
                Assert.True(metrics.Has(unlabelled + "_bucket", "le=" + le), $"{unlabelled} has no bucket le={le}");
            }
        }
    }

    [Fact]
    public async Task WebSocketOpenedThenFinished_GaugeBackToZero()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RequestStarted();
        harness.Metrics.WebSocketOpened();
        Assert.Equal(1, (await harness.ScrapeAsync()).Value("entrance_websockets_open"));

        var request = Request();
        request.Upgraded = true;
        harness.Metrics.RequestFinished(request, 101, Stopwatch.GetTimestamp());

        var metrics = await harness.ScrapeAsync();
        Assert.Equal(0, metrics.Value("entrance_websockets_open"));
        Assert.Equal(1, metrics.Value("entrance_requests_total", "code=1xx"));
    }

    [Fact]
    public void Get_MoreNamesThanLimit_RestShareOther()
    {
        var labels = new BoundedLabels(2);

        Assert.Equal("a", labels.Get("a"));
        Assert.Equal("b", labels.Get("b"));
        Assert.Equal(BoundedLabels.Other, labels.Get("c"));
        Assert.Equal("a", labels.Get("a"));
    }
}
