using System.Diagnostics;
using Entrance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Invalidation;

/// <summary>How route changes reach a running router: TTL, PUBLISH entrance:changed, keyspace events (CLIENT TRACKING off here: see ClientTrackingTests).</summary>
public class InvalidationTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend _old = null!;
    private TestBackend _new = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        _old = await TestBackend.StartAsync("old");
        _new = await TestBackend.StartAsync("new");
    }

    public async Task DisposeAsync()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        await _old.DisposeAsync();
        await _new.DisposeAsync();
    }

    [Fact]
    public async Task Cache_ChangeWithoutPublishOrKeyspaceEvents_PickedUpAfterTtl()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var router = await RouterHost.StartAsync(redis.Server, b => b.Services.AddSingleton<TimeProvider>(time), "Entrance:CacheTtl=00:00:05", "Entrance:ClientTracking=false");
        await redis.Server.CliAsync("SADD", "entrance:backends:ttl.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("ttl.example.com"));

        await ReplaceBackendAsync("ttl.example.com");
        // Nothing told the router: the old answer stands for the TTL (less up to 10 % jitter), then not a moment longer.
        Assert.Equal("old", await router.GetBodyAsync("ttl.example.com"));
        time.Advance(TimeSpan.FromMilliseconds(4_499));
        Assert.Equal("old", await router.GetBodyAsync("ttl.example.com"));
        time.Advance(TimeSpan.FromMilliseconds(501));

        Assert.Equal("new", await router.GetBodyAsync("ttl.example.com"));
    }

    [Fact]
    public async Task Cache_PublishChanged_PickedUpLongBeforeTtl()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        await redis.Server.CliAsync("SADD", "entrance:backends:pub.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("pub.example.com"));
        await ReplaceBackendAsync("pub.example.com");
        Assert.Equal("old", await router.GetBodyAsync("pub.example.com"));

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "pub.example.com");

        // The TTL is a minute: only the invalidation can explain a switch within seconds.
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("pub.example.com") == "new", TimeSpan.FromSeconds(5), "picked up after PUBLISH");
    }

    [Fact]
    public async Task Cache_PublishWildcard_RefreshesEveryHostUnderIt()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        await redis.Server.CliAsync("SADD", "entrance:backends:*.apps.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("a.apps.example.com"));
        Assert.Equal("old", await router.GetBodyAsync("b.c.apps.example.com"));
        await ReplaceBackendAsync("*.apps.example.com");

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "*.apps.example.com");

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("a.apps.example.com") == "new", TimeSpan.FromSeconds(5), "a refreshed");
        Assert.Equal("new", await router.GetBodyAsync("b.c.apps.example.com"));
    }

    [Fact]
    public async Task Cache_NegativeAnswerThenWildcardAdded_PublishMakesItRoute()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        using (var miss = await router.GetAsync("x.neg.example.com"))
        {
            Assert.Equal(404, (int)miss.StatusCode);
        }

        await redis.Server.CliAsync("SADD", "entrance:backends:*.neg.example.com", _new.Url);
        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "*.neg.example.com");

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("x.neg.example.com") == "new", TimeSpan.FromSeconds(5), "negative answer refreshed");
    }

    [Fact]
    public async Task Cache_PublishStar_RefreshesEverything()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        await redis.Server.CliAsync("SADD", "entrance:backends:star.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("star.example.com"));
        await ReplaceBackendAsync("star.example.com");

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "*");

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("star.example.com") == "new", TimeSpan.FromSeconds(5), "refreshed by *");
    }

    [Fact]
    public async Task Cache_RedisCliSaddWithoutPublish_KeyspaceEventRefreshes()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        using (var miss = await router.GetAsync("ks.example.com"))
        {
            Assert.Equal(404, (int)miss.StatusCode);
        }

        var watch = Stopwatch.StartNew();
        await redis.Server.CliAsync("SADD", "entrance:backends:ks.example.com", _new.Url);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("ks.example.com") == "new", TimeSpan.FromSeconds(5), "SADD seen through keyspace events");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "well under the one-minute TTL");
    }

    [Fact]
    public async Task Cache_HipacheRpushWithoutPublish_KeyspaceEventRefreshes()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        await redis.Server.CliAsync("RPUSH", "frontend:hk.example.com", "hk", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("hk.example.com"));

        await redis.Server.CliAsync("LSET", "frontend:hk.example.com", "1", _new.Url);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("hk.example.com") == "new", TimeSpan.FromSeconds(5), "LSET seen through keyspace events");
    }

    [Fact]
    public async Task Cache_ChangeWhilePubSubDropped_ServedRightAfterResubscribe()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00", "Entrance:ClientTracking=false", "Entrance:NotifiedCacheTtl=00:01:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        await redis.Server.CliAsync("SADD", "entrance:backends:drop.example.com", _old.Url);
        Assert.Equal("old", await router.GetBodyAsync("drop.example.com"));

        // Nothing tells the router about this change: no PUBLISH, no keyspace events, a TTL of a minute.
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        await ReplaceBackendAsync("drop.example.com");
        await Task.Delay(200);
        Assert.Equal("old", await router.GetBodyAsync("drop.example.com"));

        await redis.Server.CliAsync("CLIENT", "KILL", "TYPE", "pubsub");

        // Only the refresh on re-subscribe can explain the switch.
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("drop.example.com") == "new", TimeSpan.FromSeconds(15), "served after re-subscribe");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
    }

    private async Task ReplaceBackendAsync(string name)
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:" + name, _new.Url);
        await redis.Server.CliAsync("SREM", "entrance:backends:" + name, _old.Url);
    }
}
