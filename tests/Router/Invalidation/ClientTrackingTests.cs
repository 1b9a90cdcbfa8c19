using System.Diagnostics;
using Entrance.Router.Invalidation;
using Entrance.Testing;
using Microsoft.Extensions.Hosting;

namespace Entrance.Router.Tests.Invalidation;

/// <summary>
/// Zero-config invalidation: on a redis-server started with no configuration file (no keyspace events, as packaged),
/// the router registers CLIENT TRACKING and a raw redis-cli write reaches it long before its cache TTL.
/// </summary>
public class ClientTrackingTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private TestBackend _old = null!;
    private TestBackend _new = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartStockAsync();
        _old = await TestBackend.StartAsync("old");
        _new = await TestBackend.StartAsync("new");
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _old.DisposeAsync();
        await _new.DisposeAsync();
    }

    [Fact]
    public async Task Cache_RawSaddOnStockRedis_PickedUpWellUnderTtl()
    {
        Assert.Equal("notify-keyspace-events\n", await _redis.CliAsync("CONFIG", "GET", "notify-keyspace-events") + "\n");
        await using var router = await RouterHost.StartAsync(_redis, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00");
        await WaitForTrackingAsync(router);
        await _redis.CliAsync("SADD", "entrance:backends:raw.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("raw.example.com"));

        var watch = Stopwatch.StartNew();
        await _redis.CliAsync("DEL", "entrance:backends:raw.example.com");
        await _redis.CliAsync("SADD", "entrance:backends:raw.example.com", _new.Url);

        // The TTL is 30 s (60 s while notified): only the tracking invalidation explains a switch within 5 s.
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("raw.example.com") == "new", TimeSpan.FromSeconds(5), "raw SADD picked up");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Cache_HipacheRpushAndDeadMarkOnStockRedis_PickedUp()
    {
        await using var router = await RouterHost.StartAsync(_redis, "Entrance:CacheTtl=00:00:30");
        await WaitForTrackingAsync(router);
        await _redis.CliAsync("RPUSH", "frontend:hip.example.com", "hip", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("hip.example.com"));

        await _redis.CliAsync("RPUSH", "frontend:hip.example.com", _new.Url);
        await _redis.CliAsync("SADD", "dead:hip.example.com", "0");

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("hip.example.com") == "new", TimeSpan.FromSeconds(5), "hipache change picked up");
    }

    [Fact]
    public async Task Cache_RedisRestarted_TrackingRegisteredAgain()
    {
        await using var router = await RouterHost.StartAsync(_redis, "Entrance:CacheTtl=00:00:30");
        await WaitForTrackingAsync(router);
        await _redis.CliAsync("SADD", "entrance:backends:again.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("again.example.com"));

        // A restarted server hands out the same client ids again: the registration must still be made anew.
        await _redis.RestartAsync();
        await Eventually.TrueAsync(async () => (await _redis.CliAsync("CLIENT", "LIST")).Contains("flags=tB", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "tracking registered on the restarted server");
        await _redis.CliAsync("SADD", "entrance:backends:again.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("again.example.com"));
        await _redis.CliAsync("DEL", "entrance:backends:again.example.com");
        await _redis.CliAsync("SADD", "entrance:backends:again.example.com", _new.Url);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("again.example.com") == "new", TimeSpan.FromSeconds(5), "picked up after the restart");
    }

    [Fact]
    public async Task Cache_TrackingOff_RawWriteWaitsForTtl()
    {
        await using var router = await RouterHost.StartAsync(_redis, "Entrance:CacheTtl=00:00:30", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(_redis);
        await _redis.CliAsync("SADD", "entrance:backends:off.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("off.example.com"));
        await _redis.CliAsync("SADD", "entrance:backends:off.example.com", _new.Url);
        await _redis.CliAsync("SREM", "entrance:backends:off.example.com", _old.Url);

        await Task.Delay(1500);

        Assert.False(Listener(router).Tracking);
        Assert.Equal("old", await router.GetBodyAsync("off.example.com"));
    }

    private static InvalidationListener Listener(RouterHost router) => router.Invalidation;

    private static Task WaitForTrackingAsync(RouterHost router) =>
        Eventually.TrueAsync(() => Task.FromResult(Listener(router).Tracking), TimeSpan.FromSeconds(15), "CLIENT TRACKING registered");
}
