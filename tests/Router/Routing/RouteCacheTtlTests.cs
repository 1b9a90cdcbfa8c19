using Entrance.Router.Invalidation;
using Entrance.Router.Routing;
using Entrance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>
/// Which TTL is in force, decided by the invalidation listener's keyspace check. Every test first waits for a check
/// to have run (<see cref="InvalidationListener.KeyspaceChecks"/>): a TTL read before it would pass without proving anything.
/// </summary>
public class RouteCacheTtlTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static InvalidationListener Listener(RouterHost router) => router.Invalidation;

    private static Task ChecksAsync(InvalidationListener listener, int atLeast) =>
        Eventually.TrueAsync(() => Task.FromResult(listener.KeyspaceChecks >= atLeast), TimeSpan.FromSeconds(15), $"keyspace check #{atLeast} ran");

    [Fact]
    public async Task CurrentTtl_KeyspaceEventsOn_UsesNotifiedTtl()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:00:02", "Entrance:NotifiedCacheTtl=00:00:40");
        var cache = router.Service<RouteCache>();

        await Eventually.TrueAsync(() => Task.FromResult(cache.CurrentTtl == TimeSpan.FromSeconds(40)), TimeSpan.FromSeconds(15), "notified TTL in force");
        Assert.True(Listener(router).KeyspaceEvents);
    }

    [Fact]
    public async Task CurrentTtl_KeyspaceEventsOff_StaysAtPollingTtl()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        try
        {
            await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:00:02", "Entrance:ClientTracking=false", "Entrance:NotifiedCacheTtl=00:00:40");
            var listener = Listener(router);
            await RouterHost.WaitForSubscriberAsync(redis.Server);
            await ChecksAsync(listener, 1);

            Assert.False(listener.KeyspaceEvents);
            Assert.Equal(TimeSpan.FromSeconds(2), router.Service<RouteCache>().CurrentTtl);
        }
        finally
        {
            await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        }
    }

    [Fact]
    public async Task CurrentTtl_KeyspaceEventsSwitchedOffAtRunTime_NextCheckCapsCachedAnswers()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            await using var backend = await TestBackend.StartAsync("b1");
            await using var router = await RouterHost.StartAsync(redis.Server, b => b.Services.AddSingleton<TimeProvider>(time),
                "Entrance:CacheTtl=00:00:02", "Entrance:NotifiedCacheTtl=00:00:40", "Entrance:ClientTracking=false");
            var listener = Listener(router);
            var cache = router.Service<RouteCache>();
            await ChecksAsync(listener, 1);
            Assert.Equal(TimeSpan.FromSeconds(40), cache.CurrentTtl);
            await redis.Server.CliAsync("SADD", "entrance:backends:cap.example.com", backend.Url);
            await Task.Delay(300); // the write's own keyspace event lands before the answer is cached
            Assert.Equal("b1", await router.GetBodyAsync("cap.example.com"));
            var lookups = await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server);

            await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
            time.Advance(InvalidationListener.KeyspaceRecheck);
            await ChecksAsync(listener, 2);

            Assert.False(listener.KeyspaceEvents);
            Assert.Equal(TimeSpan.FromSeconds(2), cache.CurrentTtl);
            time.Advance(TimeSpan.FromMilliseconds(1_999));
            Assert.Equal("b1", await router.GetBodyAsync("cap.example.com"));
            Assert.Equal(lookups, await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server));
            // 17 s after it was cached for 36-40 s: only the cap explains a new lookup.
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal("b1", await router.GetBodyAsync("cap.example.com"));
            Assert.Equal(lookups + 1, await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server));
        }
        finally
        {
            await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        }
    }
}
