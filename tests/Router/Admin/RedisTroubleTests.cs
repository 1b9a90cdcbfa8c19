using System.Net;
using System.Text.Json;
using Entrance.Router.Tests.Metrics;
using Entrance.Testing;

namespace Entrance.Router.Tests.Admin;

/// <summary>What <c>/routes</c> and <c>/metrics</c> say while a real redis-server is killed. Each test owns its Redis.</summary>
public class RedisTroubleTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task RoutesAndMetrics_RedisKilled_StaleForCachedNoneForUnknown()
    {
        await using var backend = await TestBackend.StartAsync("stale");
        await _redis.CliAsync("SADD", "entrance:backends:stale.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(_redis, "Entrance:CacheTtl=00:00:00.200", "Entrance:NotifiedCacheTtl=00:00:00.200");
        Assert.Equal("stale", await router.GetBodyAsync("stale.example.com"));

        _redis.Kill();
        await Eventually.TrueAsync(async () => Exposition.Parse(await router.AdminClient.GetStringAsync("/metrics")).Value("entrance_redis_up") == 0,
            TimeSpan.FromSeconds(15), "entrance_redis_up drops to 0");
        await Task.Delay(300); // past the TTL: only the stale answer is left

        using (var cached = await router.AdminClient.GetAsync("/routes/stale.example.com"))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            var json = JsonDocument.Parse(await cached.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("stale", json.GetProperty("source").GetString());
            Assert.Equal(backend.Url, json.GetProperty("backends")[0].GetProperty("url").GetString());
        }

        using (var unknown = await router.AdminClient.GetAsync("/routes/never-seen.example.com"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.StatusCode);
            Assert.Equal("none", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("source").GetString());
        }

        var before = Exposition.Parse(await router.AdminClient.GetStringAsync("/metrics")).Value("entrance_cache_lookups_total", "result=stale");
        Assert.Equal("stale", await router.GetBodyAsync("stale.example.com"));
        await Eventually.TrueAsync(
            async () => Exposition.Parse(await router.AdminClient.GetStringAsync("/metrics")).Value("entrance_cache_lookups_total", "result=stale") == before + 1,
            TimeSpan.FromSeconds(10), "the stale answer was counted");
    }
}
