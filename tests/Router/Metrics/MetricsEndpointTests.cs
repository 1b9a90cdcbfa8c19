using System.Net;
using System.Net.WebSockets;
using System.Text;
using Entrance.Router.Metrics;
using Entrance.Testing;

namespace Entrance.Router.Tests.Metrics;

/// <summary>Known traffic through a real router, then <c>/metrics</c> scraped from the admin listener and parsed.</summary>
public class MetricsEndpointTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static async Task<Exposition> ScrapeAsync(RouterHost router)
    {
        using var response = await router.AdminClient.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return Exposition.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_AfterKnownTraffic_CountersMoveByExactAmounts()
    {
        await using var backend = await TestBackend.StartAsync("m1");
        await redis.Server.CliAsync("SADD", "entrance:backends:metrics-a.example.com", backend.Url);
        await redis.Server.CliAsync("SADD", "entrance:backends:metrics-502.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);
        var before = await ScrapeAsync(router);

        for (var i = 0; i < 5; i++)
        {
            using var ok = await router.GetAsync("metrics-a.example.com");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            using var unknown = await router.GetAsync("metrics-unknown.example.com");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // An invalid Host, sent raw (HttpClient would refuse to send it).
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, router.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n"));
            var reply = await new StreamReader(stream).ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 400", reply);
            Assert.Contains("X-Entrance-Error: invalid-host", reply);
        }

        using (var notFoundAtBackend = await router.GetAsync("metrics-a.example.com", "/status/404"))
        {
            Assert.Equal(HttpStatusCode.NotFound, notFoundAtBackend.StatusCode);
        }

        // A request is recorded just after its last byte went out, so the client can be a hair ahead of the metrics.
        var after = before;
        await Eventually.TrueAsync(async () =>
        {
            after = await ScrapeAsync(router);
            return after.Value("entrance_request_duration_seconds_count") - before.Value("entrance_request_duration_seconds_count") >= 10;
        }, TimeSpan.FromSeconds(10), "all 10 requests recorded");
        // A series may not exist before its first event (labelled counters appear with their first value): "before"
        // alone may read absent as 0; "after" must have it.
        double Delta(string name, params string[] labels) => after.Value(name, labels) - before.ValueOrZero(name, labels);

        Assert.Equal(5, Delta("entrance_requests_total", "code=2xx"));
        Assert.Equal(5, Delta("entrance_requests_total", "code=4xx")); // 3 unknown, 1 invalid, 1 from the backend
        Assert.Equal(0, Delta("entrance_requests_total", "code=5xx"));
        Assert.Equal(3, Delta("entrance_errors_total", "reason=unknown-host"));
        Assert.Equal(1, Delta("entrance_errors_total", "reason=invalid-host"));
        // metrics-a: 1 miss then 5 hits; unknown: 1 miss then 2 negative hits. The invalid host is never looked up.
        Assert.Equal(2, Delta("entrance_cache_lookups_total", "result=miss"));
        Assert.Equal(5, Delta("entrance_cache_lookups_total", "result=hit"));
        Assert.Equal(2, Delta("entrance_cache_lookups_total", "result=negative_hit"));
        Assert.Equal(2, Delta("entrance_redis_commands_total", "op=resolve", "outcome=ok"));
        Assert.Equal(2, Delta("entrance_redis_duration_seconds_count", "op=resolve"));
        Assert.Equal(10, Delta("entrance_request_duration_seconds_count"));
        Assert.Equal(6, Delta("entrance_backend_duration_seconds_count"));
        Assert.Equal(0, after.Value("entrance_requests_in_flight"));
        Assert.Equal(1, after.Value("entrance_redis_up"));
        Assert.True(after.Value("entrance_cache_entries") >= 2);
        // Entrance's own metrics are prometheus-net metrics, typed as docs/operations.md lists them.
        Assert.Equal("counter", after.Types["entrance_requests_total"]);
        Assert.Equal("counter", after.Types["entrance_cache_lookups_total"]);
        Assert.Equal("counter", after.Types["entrance_errors_total"]);
        Assert.Equal("histogram", after.Types["entrance_request_duration_seconds"]);
        Assert.Equal("histogram", after.Types["entrance_redis_duration_seconds"]);
        Assert.Equal("gauge", after.Types["entrance_requests_in_flight"]);
        Assert.Equal("gauge", after.Types["entrance_redis_up"]);
    }

    [Fact]
    public async Task Metrics_ProcessFamilies_CpuMemoryAndGcReported()
    {
        await using var backend = await TestBackend.StartAsync("p");
        await redis.Server.CliAsync("SADD", "entrance:backends:metrics-process.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);
        var before = await ScrapeAsync(router);
        for (var i = 0; i < 20; i++)
        {
            using var response = await router.GetAsync("metrics-process.example.com");
        }

        var after = await ScrapeAsync(router);

        // prometheus-net's own process collector, and the runtime's System.Runtime meter through the MeterAdapter.
        Assert.Equal("counter", after.Types["process_cpu_seconds_total"]);
        Assert.True(after.Value("process_cpu_seconds_total") > 0);
        Assert.True(after.Value("process_working_set_bytes") > 10_000_000);
        Assert.True(after.Value("system_runtime_dotnet_gc_heap_total_allocated") > before.Value("system_runtime_dotnet_gc_heap_total_allocated"), "requests allocate");
        Assert.True(after.Value("dotnet_total_memory_bytes") > 0);
        Assert.True(after.Value("dotnet_collection_count_total", "generation=0") >= after.Value("dotnet_collection_count_total", "generation=2"));
        Assert.True(after.Value("system_runtime_dotnet_thread_pool_thread_count") >= 1);
        Assert.True(after.Value("system_runtime_dotnet_thread_pool_work_item_count") > 0);
        Assert.True(after.Value("system_runtime_dotnet_thread_pool_queue_length") >= 0);
    }

    [Fact]
    public async Task Metrics_DefaultMeters_KestrelConnectionsButNoPerRequestHostingMeter()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);
        using (var ping = await router.GetAsync("__ping__"))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        }

        var metrics = await ScrapeAsync(router);

        Assert.Contains(metrics.Types.Keys, k => k.StartsWith("microsoft_aspnetcore_server_kestrel_", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Types.Keys, k => k.StartsWith("microsoft_aspnetcore_hosting_", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Types.Keys, k => k.StartsWith("system_net_http_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_MetersSetting_HostingMeterAddedOnRequest()
    {
        await using var router = await RouterHost.StartAsync(redis.Server,
            "Entrance:Metrics:Meters:0=Microsoft.AspNetCore.Hosting");
        using (var ping = await router.GetAsync("__ping__"))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        }

        var metrics = await ScrapeAsync(router);

        Assert.True(metrics.Value("microsoft_aspnetcore_hosting_http_server_request_duration_count", "http_request_method=GET", "http_response_status_code=200", "network_protocol_version=1.1", "url_scheme=http") >= 1);
        Assert.DoesNotContain(metrics.Types.Keys, k => k.StartsWith("system_runtime_", StringComparison.Ordinal));
        Assert.Equal("counter", metrics.Types["entrance_requests_total"]); // Entrance's own metrics do not depend on the list
    }

    [Fact]
    public async Task Metrics_ProbeHost_NotCounted()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);
        var before = await ScrapeAsync(router);

        using (var ping = await router.GetAsync("__ping__"))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        }

        await Task.Delay(200); // would a probe be recorded, it would be by now
        var after = await ScrapeAsync(router);
        Assert.Equal(0, before.Value("entrance_request_duration_seconds_count"));
        Assert.Equal(0, after.Value("entrance_request_duration_seconds_count"));
        Assert.Equal(0, after.Value("entrance_requests_total", "code=2xx"));
    }

    [Fact]
    public async Task Metrics_DeadBackendAndRetry_CountedOnce()
    {
        await using var alive = await TestBackend.StartAsync("alive");
        using var refused = new RefusedPort();
        await redis.Server.CliAsync("SADD", "entrance:backends:metrics-dead.example.com", refused.Url, alive.Url);
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:LoadBalancing=round-robin");
        var before = await ScrapeAsync(router);

        for (var i = 0; i < 4; i++)
        {
            using var response = await router.GetAsync("metrics-dead.example.com");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var after = await ScrapeAsync(router);
        await Eventually.TrueAsync(async () =>
        {
            after = await ScrapeAsync(router);
            return after.Value("entrance_request_duration_seconds_count") - before.Value("entrance_request_duration_seconds_count") >= 4;
        }, TimeSpan.FromSeconds(10), "all 4 requests recorded");
        // Round robin sends one of the first two requests to the refusing backend; it is retried on the live one and
        // marked dead, so no later request goes there: exactly one retry, one mark, one mark written to Redis.
        Assert.Equal(1, after.Value("entrance_retries_total") - before.Value("entrance_retries_total"));
        Assert.Equal(1, after.Value("entrance_dead_backend_marks_total", "reason=connect_failure") - before.ValueOrZero("entrance_dead_backend_marks_total", "reason=connect_failure"));
        await Eventually.TrueAsync(async () => (await ScrapeAsync(router)).ValueOrZero("entrance_redis_commands_total", "op=mark_dead", "outcome=ok") == 1,
            TimeSpan.FromSeconds(10), "the dead mark was written to Redis once");
    }

    [Fact]
    public async Task Metrics_PublishedChange_CountsInvalidation()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        var before = await ScrapeAsync(router);

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "metrics-invalidated.example.com");

        await Eventually.TrueAsync(
            async () => (await ScrapeAsync(router)).ValueOrZero("entrance_invalidations_total", "kind=route", "origin=publish")
                        - before.ValueOrZero("entrance_invalidations_total", "kind=route", "origin=publish") >= 1,
            TimeSpan.FromSeconds(10), "the published invalidation was counted");
    }

    [Fact]
    public async Task Metrics_WebSocketOpen_GaugeUpWhileOpenThenDown()
    {
        await using var backend = await TestBackend.StartAsync("ws");
        await redis.Server.CliAsync("SADD", "entrance:backends:metrics-ws.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);

        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Host", "metrics-ws.example.com");
            await socket.ConnectAsync(new Uri(router.Url.Replace("http://", "ws://") + "/ws"), CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes("hi"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[16];
            await socket.ReceiveAsync(buffer, CancellationToken.None);

            Assert.Equal(1, (await ScrapeAsync(router)).Value("entrance_websockets_open"));
            Assert.Equal(1, (await ScrapeAsync(router)).Value("entrance_requests_in_flight"));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }

        await Eventually.TrueAsync(async () => (await ScrapeAsync(router)).Value("entrance_websockets_open") == 0,
            TimeSpan.FromSeconds(10), "the closed WebSocket is no longer counted");
        Assert.Equal(1, (await ScrapeAsync(router)).Value("entrance_requests_total", "code=1xx"));
    }

    [Fact]
    public async Task Metrics_RouteLabelsOn_FirstRoutesLabelledRestOther()
    {
        await using var backend = await TestBackend.StartAsync("r");
        foreach (var name in new[] { "labels-1.example.com", "labels-2.example.com", "labels-3.example.com" })
        {
            await redis.Server.CliAsync("SADD", "entrance:backends:" + name, backend.Url);
        }

        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:Metrics:RouteLabels=2");
        foreach (var name in new[] { "labels-1.example.com", "labels-2.example.com", "labels-3.example.com", "labels-1.example.com" })
        {
            using var response = await router.GetAsync(name);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var metrics = await ScrapeAsync(router);
        await Eventually.TrueAsync(async () => (metrics = await ScrapeAsync(router)).Value("entrance_request_duration_seconds_count") >= 4,
            TimeSpan.FromSeconds(10), "all 4 requests recorded");
        Assert.Equal(2, metrics.Value("entrance_route_requests_total", "route=labels-1.example.com"));
        Assert.Equal(1, metrics.Value("entrance_route_requests_total", "route=labels-2.example.com"));
        Assert.Equal(1, metrics.Value("entrance_route_requests_total", "route=" + BoundedLabels.Other));
    }

    [Fact]
    public async Task Metrics_RouteLabelsOff_NoPerRouteSeries()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);
        var metrics = await ScrapeAsync(router);
        Assert.DoesNotContain("entrance_route_requests_total", metrics.Types.Keys);
    }
}
