using System.Diagnostics;
using System.Net;
using Entrance.Core.Store;
using Entrance.Router.Tests.Metrics;
using Entrance.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>
/// Flood protection through a real router and redis-server: an unknown host costs a constant few Redis commands
/// (counted by INFO commandstats), a wildcard written by a raw command is still served at once, and misses over the
/// client budget are answered 503 lookup-budget without Redis.
/// </summary>
public class UnknownHostFloodTests : IAsyncLifetime
{
    private const string Deep = "a.b.c.d.e.example.com";
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync("wild");

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task Proxy_UnknownHostsOnStockRedis_FiveCommandsEach()
    {
        await using var redis = await RedisServer.StartStockAsync();
        await redis.CliAsync("SADD", "entrance:backends:*.elsewhere.org", _backend.Url);
        await using var router = await RouterHost.StartAsync(redis);
        await WaitForTrustedIndexAsync(router);
        using (await router.GetAsync("warm.up"))
        {
            // the first lookup also loads the script
        }

        await redis.CliAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < 10; i++)
        {
            using var response = await router.GetAsync($"h{i}.{Deep}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // Per host: one EVALSHA probing the exact name (SMEMBERS, LRANGE, 2 EXISTS); without the index 7 names, 29 commands.
        Assert.Equal(50, await redis.LookupCommandsAsync());
        Assert.Equal("wild", await router.GetBodyAsync("x.elsewhere.org"));
    }

    [Fact]
    public async Task Proxy_WildcardAddedByRawSaddWithTracking_ServedWellUnderTtl()
    {
        await using var redis = await RedisServer.StartStockAsync();
        await using var router = await RouterHost.StartAsync(redis, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00");
        await RawWildcardServedAsync(redis, router);
    }

    [Fact]
    public async Task Proxy_WildcardAddedByRawSaddWithKeyspaceEvents_ServedWellUnderTtl()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var router = await RouterHost.StartAsync(redis, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await RawWildcardServedAsync(redis, router);
    }

    [Fact]
    public async Task Proxy_BehindTrustedBalancer_MissesChargedToForwardedClient()
    {
        await using var redis = await RedisServer.StartStockAsync();
        await using var router = await RouterHost.StartAsync(redis, "Entrance:TrustedProxies=127.0.0.1/32",
            "Entrance:LookupBudget:PerClientPerSecond=0.001", "Entrance:LookupBudget:PerClientBurst=2");
        await WaitForTrustedIndexAsync(router);

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(router, "a1.example.com", "192.0.2.1"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(router, "a2.example.com", "198.51.100.9, 192.0.2.1"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(router, "a3.example.com", "192.0.2.1"));
        // Another client behind the same balancer (the same peer address) still has its own budget.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(router, "b1.example.com", "192.0.2.2"));
    }

    private static async Task<HttpStatusCode> StatusAsync(RouterHost router, string host, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await router.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Proxy_UnknownHostsOverClientBudget_Fast503WithoutRedis()
    {
        await using var redis = await RedisServer.StartStockAsync();
        await using var router = await RouterHost.StartAsync(redis, "Entrance:LookupBudget:PerClientPerSecond=0.001", "Entrance:LookupBudget:PerClientBurst=3");
        // Once the feed is live (tracking registered, index scanned) nothing marks the cached "not found" answers stale
        // between the requests below; before that, a registration landing mid-test would make u0 a miss again.
        await WaitForTrustedIndexAsync(router);
        for (var i = 0; i < 3; i++)
        {
            using var within = await router.GetAsync($"u{i}.example.com");
            Assert.Equal(HttpStatusCode.NotFound, within.StatusCode);
        }

        await redis.CliAsync("CONFIG", "RESETSTAT");
        using var over = await router.GetAsync("u3.example.com");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, over.StatusCode);
        Assert.Equal("lookup-budget", over.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Equal(TimeSpan.FromSeconds(1), over.Headers.RetryAfter?.Delta);
        Assert.Equal(0, await redis.LookupCommandsAsync());
        using (var cached = await router.GetAsync("u0.example.com"))
        {
            Assert.Equal(HttpStatusCode.NotFound, cached.StatusCode); // cached answers are not charged
        }

        var metrics = Exposition.Parse(await router.AdminClient.GetStringAsync("/metrics"));
        Assert.Equal(1, metrics.Value("entrance_lookup_budget_rejections_total", "scope=client"));
        Assert.Equal(0, metrics.Value("entrance_lookup_budget_rejections_total", "scope=router"));
        Assert.Equal(1, metrics.Value("entrance_errors_total", "reason=lookup-budget"));
    }

    /// <summary>A host answered "not found" with the index trusted starts matching a wildcard the moment it is written raw.</summary>
    private async Task RawWildcardServedAsync(RedisServer redis, RouterHost router)
    {
        await WaitForTrustedIndexAsync(router);
        using (var before = await router.GetAsync("x.wild.example.com"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode); // cached "not found" for 54-60 s
        }

        Assert.DoesNotContain("*.wild.example.com", router.Service<KnownRouteNames>().Candidates("x.wild.example.com"));
        var watch = Stopwatch.StartNew();
        await redis.CliAsync("SADD", "entrance:backends:*.wild.example.com", _backend.Url);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("x.wild.example.com") == "wild", TimeSpan.FromSeconds(5), "raw wildcard served");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.True(router.Service<KnownRouteNames>().Trusted);
    }

    private static Task WaitForTrustedIndexAsync(RouterHost router) =>
        Eventually.TrueAsync(() => Task.FromResult(router.Service<KnownRouteNames>().Trusted), TimeSpan.FromSeconds(20), "wildcard index trusted");
}
