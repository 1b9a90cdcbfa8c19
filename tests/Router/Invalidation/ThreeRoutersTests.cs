using Entrance.Router.Invalidation;
using Entrance.Router.Routing;
using Entrance.Testing;
using Microsoft.Extensions.Hosting;

namespace Entrance.Router.Tests.Invalidation;

/// <summary>
/// The push path itself, for several routers on one Redis: a change marks every router's cached answer stale promptly,
/// without a request to trigger it and far below the cache TTL (30 s here), so what bench/three-routers.sh measures on
/// top is the re-read and the request. The bound is loose for a loaded CI machine; the bench gives the real figures.
/// </summary>
public class ThreeRoutersTests : IAsyncLifetime
{
    private const string Host = "three.example.com";
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    private RedisServer _redis = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartStockAsync();
        _backend = await TestBackend.StartAsync("ok");
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Invalidate_RawWriteWithTracking_EveryRoutersAnswerStaleWellUnderTtl()
    {
        var routers = await StartRoutersAsync("Entrance:ClientTracking=true");
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(routers.All(r => Listener(r).Tracking)), TimeSpan.FromSeconds(15), "tracking registered");
            await CacheEverywhereAsync(routers);

            await _redis.CliAsync("SADD", "entrance:backends:" + Host, "http://127.0.0.1:9");

            await Eventually.TrueAsync(() => Task.FromResult(routers.All(Stale)), Prompt, "every router's answer marked stale");
        }
        finally
        {
            await Task.WhenAll(routers.Select(r => r.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Invalidate_PublishWithoutTracking_EveryRoutersAnswerStaleWellUnderTtl()
    {
        var routers = await StartRoutersAsync("Entrance:ClientTracking=false");
        try
        {
            await RouterHost.WaitForSubscriberAsync(_redis, 3);
            await CacheEverywhereAsync(routers);
            await _redis.CliAsync("SADD", "entrance:backends:" + Host, "http://127.0.0.1:9");
            Assert.DoesNotContain(routers, Stale); // no tracking, no keyspace events: only the PUBLISH can do it

            await _redis.CliAsync("PUBLISH", "entrance:changed", Host);

            await Eventually.TrueAsync(() => Task.FromResult(routers.All(Stale)), Prompt, "every router's answer marked stale");
        }
        finally
        {
            await Task.WhenAll(routers.Select(r => r.DisposeAsync().AsTask()));
        }
    }

    private async Task<RouterHost[]> StartRoutersAsync(string tracking)
    {
        var routers = new RouterHost[3];
        for (var i = 0; i < routers.Length; i++)
        {
            routers[i] = await RouterHost.StartAsync(_redis, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00", tracking);
        }

        return routers;
    }

    private async Task CacheEverywhereAsync(RouterHost[] routers)
    {
        await _redis.CliAsync("SADD", "entrance:backends:" + Host, _backend.Url);
        foreach (var router in routers)
        {
            Assert.Equal("ok", await router.GetBodyAsync(Host));
            Assert.False(Stale(router));
        }
    }

    private static bool Stale(RouterHost router)
    {
        var cache = router.Service<RouteCache>();
        return cache.Peek(Host) is { } slot && slot.FreshUntilMs <= cache.NowMs;
    }

    private static InvalidationListener Listener(RouterHost router) => router.Invalidation;
}
