using System.Net;
using System.Net.Http;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Admin;

public class AdminEndpointsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Metrics_AfterSync_ReportsObjectsHostsWritesLeaderAndLastSync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await using var api = await TestApiServer.StartAsync();
        api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com, b.example.com"));
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await using var syncer = await SyncerHarness.StartAsync(api, redis.Server);
        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("HLEN", "entrance:owners") == "2", TimeSpan.FromSeconds(15), "hosts written");
        await Eventually.TrueAsync(async () => (await syncer.GetAsync("/metrics")).Contains("entrance_syncer_hosts_owned 2\n"), TimeSpan.FromSeconds(5), "metrics updated");

        var metrics = await syncer.GetAsync("/metrics");

        Assert.Contains("# TYPE entrance_syncer_objects_watched gauge\n", metrics);
        Assert.Contains("entrance_syncer_objects_watched{kind=\"service\"} 1\n", metrics);
        Assert.Contains("entrance_syncer_objects_watched{kind=\"endpointslice\"} 1\n", metrics);
        Assert.Contains("entrance_syncer_objects_watched{kind=\"ingress\"} 0\n", metrics);
        Assert.Contains("entrance_syncer_objects_watched{kind=\"secret\"} 0\n", metrics);
        Assert.Contains("entrance_syncer_invalid_tls_secrets_total 0\n", metrics);
        Assert.Contains("entrance_syncer_certificates_owned 0\n", metrics);
        Assert.Contains("entrance_syncer_redis_writes_total 2\n", metrics);
        Assert.Contains("entrance_syncer_leader 1\n", metrics);
        Assert.Contains("# TYPE entrance_syncer_redis_writes_total counter\n", metrics);
        Assert.Contains("# TYPE entrance_syncer_syncs_total counter\n", metrics);
        Assert.Contains("# TYPE entrance_syncer_watch_events_total counter\n", metrics);
        Assert.Contains("# TYPE entrance_syncer_leader gauge\n", metrics);
        Assert.Contains("# TYPE entrance_syncer_last_sync_timestamp_seconds gauge\n", metrics);
        Assert.Contains("entrance_syncer_redis_errors_total 0\n", metrics);
        Assert.Contains("entrance_syncer_conflicts_total 0\n", metrics);
        Assert.Contains("\nentrance_syncer_lists_total ", metrics);
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", metrics);
        var last = metrics.Split('\n').Single(l => l.StartsWith("entrance_syncer_last_sync_timestamp_seconds ", StringComparison.Ordinal));
        var seconds = double.Parse(last.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task HealthAndReady_SyncedWithRedis_Return200()
    {
        await using var api = await TestApiServer.StartAsync();
        await using var syncer = await SyncerHarness.StartAsync(api, redis.Server);
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(syncer.AdminUrl + "/healthz")).StatusCode);
        await Eventually.TrueAsync(async () => (await http.GetAsync(syncer.AdminUrl + "/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "ready");
    }

    [Fact]
    public async Task Ready_ApiServerUnreachable_Returns503WithReason()
    {
        await using var api = await TestApiServer.StartAsync();
        api.Fail = _ => true;
        await using var syncer = await SyncerHarness.StartAsync(api, redis.Server);
        using var http = new HttpClient();

        var response = await http.GetAsync(syncer.AdminUrl + "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("informers not synced", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(syncer.AdminUrl + "/healthz")).StatusCode);
    }
}
