using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>Path routes (issue 15) through a real router, written by the real writers into a real redis-server.</summary>
public class PathRouteTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend[] _backends = [];
    private RouterHost _router = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backends = await TestBackend.StartManyAsync("host", "api", "v2");
        _router = await RouterHost.StartAsync(redis.Server);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }

    private async Task AddAsync(string name, TestBackend backend)
    {
        using var connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        await new RouteEditor(connection).AddBackendsAsync(name, [backend.Url]);
    }

    private async Task<(string Backend, string Path, int Status)> SendAsync(string host, string path)
    {
        using var response = await _router.GetAsync(host, path);
        var backend = response.Headers.TryGetValues("X-Backend", out var b) ? b.Single() : "-";
        var seen = response.Headers.TryGetValues("X-Backend-Path", out var p) ? p.Single() : "-";
        return (backend, seen, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("/", "host")]
    [InlineData("/apix", "host")]
    [InlineData("/api", "api")]
    [InlineData("/api/", "api")]
    [InlineData("/api/x", "api")]
    [InlineData("/api/v2", "v2")]
    [InlineData("/api/v2/orders?id=1", "v2")]
    [InlineData("/api/v2x", "api")]
    [InlineData("/API/x", "host")]
    public async Task Route_PathPrefixes_LongestOnSegmentBoundaryWins(string path, string expected)
    {
        await AddAsync("shop.example.com", _backends[0]);
        await AddAsync("shop.example.com/api", _backends[1]);
        await AddAsync("shop.example.com/api/v2", _backends[2]);

        var (backend, seen, _) = await SendAsync("shop.example.com", path);

        Assert.Equal(expected, backend);
        Assert.Equal(path, seen); // no strip_prefix: the path goes through as sent
    }

    [Theory]
    [InlineData("/api/x", "/x")]
    [InlineData("/api", "/")]
    [InlineData("/api/", "/")]
    [InlineData("/api/a/b?q=1&r=2", "/a/b?q=1&r=2")]
    public async Task Route_StripPrefix_ForwardsPathWithoutPrefix(string path, string forwarded)
    {
        await AddAsync("strip.example.com", _backends[0]);
        await AddAsync("strip.example.com/api", _backends[1]);
        await redis.Server.CliAsync("HSET", "entrance:host:strip.example.com/api", "strip_prefix", "1");

        var (backend, seen, _) = await SendAsync("strip.example.com", path);

        Assert.Equal("api", backend);
        Assert.Equal(forwarded, seen);
    }

    [Fact]
    public async Task Route_PathExact_OnlyTheExactPathMatches()
    {
        await AddAsync("exact.example.com", _backends[0]);
        await AddAsync("exact.example.com/login", _backends[1]);
        await redis.Server.CliAsync("HSET", "entrance:host:exact.example.com/login", "path_exact", "1");

        Assert.Equal("api", (await SendAsync("exact.example.com", "/login")).Backend);
        Assert.Equal("host", (await SendAsync("exact.example.com", "/login/x")).Backend);
    }

    [Fact]
    public async Task Route_WildcardHostWithPath_CoversEverySubdomain()
    {
        await AddAsync("*.apps.example.com", _backends[0]);
        await AddAsync("*.apps.example.com/api", _backends[1]);

        Assert.Equal("api", (await SendAsync("a.apps.example.com", "/api/x")).Backend);
        Assert.Equal("api", (await SendAsync("b.apps.example.com", "/api")).Backend);
        Assert.Equal("host", (await SendAsync("a.apps.example.com", "/other")).Backend);
    }

    [Fact]
    public async Task Route_ExactHostWithoutPaths_WildcardPathsDoNotApply()
    {
        // The exact host wins the host lookup; its own (absent) paths apply, not the wildcard's.
        await AddAsync("*.w.example.com", _backends[0]);
        await AddAsync("*.w.example.com/api", _backends[1]);
        await AddAsync("exact.w.example.com", _backends[2]);

        Assert.Equal("v2", (await SendAsync("exact.w.example.com", "/api")).Backend);
    }

    [Fact]
    public async Task Route_PathRouteWithoutBackends_FallsBackToHostRoute()
    {
        await AddAsync("fallback.example.com", _backends[0]);
        await AddAsync("fallback.example.com/api", _backends[1]);
        using var connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        await new RouteEditor(connection).RemoveBackendsAsync("fallback.example.com/api", [_backends[1].Url]);
        await redis.Server.CliAsync("SADD", "entrance:paths:fallback.example.com", "/api"); // listed, but empty

        Assert.Equal("host", (await SendAsync("fallback.example.com", "/api/x")).Backend);
    }

    [Fact]
    public async Task Route_HostWithOnlyPathRoutes_OtherPathsAnswerNoBackends()
    {
        await AddAsync("paths-only.example.com/api", _backends[1]);

        Assert.Equal("api", (await SendAsync("paths-only.example.com", "/api")).Backend);
        using var response = await _router.GetAsync("paths-only.example.com", "/");
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("no-backends", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Fact]
    public async Task Route_BadPrefixWrittenRaw_IgnoredWithReasonOthersStillRoute()
    {
        await AddAsync("badpath.example.com", _backends[0]);
        await AddAsync("badpath.example.com/api", _backends[1]);
        await redis.Server.CliAsync("SADD", "entrance:backends:badpath.example.com/a/../b", _backends[2].Url);
        await redis.Server.CliAsync("SADD", "entrance:paths:badpath.example.com", "/a/../b");

        Assert.Equal("api", (await SendAsync("badpath.example.com", "/api")).Backend);
        Assert.Equal("host", (await SendAsync("badpath.example.com", "/b")).Backend);
        using var report = await _router.AdminClient.GetAsync("/routes/badpath.example.com");
        Assert.Contains("path /a/../b ignored", await report.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invalidate_PathRouteAdded_CachedHostSeesItAtOnce()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server, 2);
        await AddAsync("inval.example.com", _backends[0]);
        Assert.Equal("host", await router.GetBodyAsync("inval.example.com", "/api/x")); // cached: the host route

        await AddAsync("inval.example.com/api", _backends[1]); // publishes inval.example.com/api

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("inval.example.com", "/api/x") == "api", TimeSpan.FromSeconds(10), "path route reached the cached host");
    }

    [Fact]
    public async Task Invalidate_PublishOfPathRouteName_MarksHostStale()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server, 2);
        await AddAsync("raw.example.com", _backends[0]);
        Assert.Equal("host", await router.GetBodyAsync("raw.example.com", "/api"));

        // Written by hand without a PUBLISH (and keyspace events, if on, name the path route too), then announced by its own name.
        await redis.Server.CliAsync("SADD", "entrance:backends:raw.example.com/api", _backends[1].Url);
        await redis.Server.CliAsync("SADD", "entrance:paths:raw.example.com", "/api");
        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "raw.example.com/api");

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("raw.example.com", "/api") == "api", TimeSpan.FromSeconds(10), "host invalidated by its path route's name");
    }

    [Fact]
    public async Task Invalidate_WildcardPathRouteChanged_CoveredHostsSeeIt()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server, 2);
        await AddAsync("*.inv.example.com", _backends[0]);
        Assert.Equal("host", await router.GetBodyAsync("a.inv.example.com", "/api"));

        await AddAsync("*.inv.example.com/api", _backends[1]);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("a.inv.example.com", "/api") == "api", TimeSpan.FromSeconds(10), "wildcard path route reached a covered host");
    }

    [Fact]
    public async Task Resolve_HostWithPaths_OneRedisCommandPerMiss()
    {
        await AddAsync("count.example.com", _backends[0]);
        await AddAsync("count.example.com/api", _backends[1]);
        await AddAsync("count.example.com/api/v2", _backends[2]);
        await redis.Server.CliAsync("CONFIG", "RESETSTAT");

        Assert.Equal("v2", (await SendAsync("count.example.com", "/api/v2")).Backend);

        // One script run answered the miss (an EVAL after a NOSCRIPT EVALSHA counts as the same round trip's retry).
        var stats = await redis.Server.CliAsync("INFO", "commandstats");
        Assert.Equal(1, Stat(stats, "evalsha_ro", "calls") - Stat(stats, "evalsha_ro", "failed_calls") + Stat(stats, "eval_ro", "calls")
            + Stat(stats, "evalsha", "calls") - Stat(stats, "evalsha", "failed_calls") + Stat(stats, "eval", "calls"));
    }

    private static long Stat(string info, string command, string field)
    {
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        var pair = line?.Split(':')[1].Split(',').FirstOrDefault(p => p.StartsWith(field + "=", StringComparison.Ordinal));
        return pair is null ? 0 : long.Parse(pair[(field.Length + 1)..]);
    }
}
