using System.Net;
using System.Text.Json;
using Entrance.Testing;

namespace Entrance.Router.Tests.Admin;

public class AdminListenerTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Healthz_OnAdminListener_200()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.AdminClient.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(router.Port, new Uri(router.AdminUrl!).Port);
    }

    [Fact]
    public async Task Readyz_RedisUp_200SaysRedisReachable()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.AdminClient.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("redis reachable", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/routes/admin-proxied.example.com")]
    public async Task AdminPath_OnProxyPort_ProxiedLikeAnyOtherPath(string path)
    {
        await using var backend = await TestBackend.StartAsync("app");
        var host = "admin-proxied-" + path.Trim('/').Split('/')[0] + ".example.com"; // one host per case: they share Redis
        await redis.Server.CliAsync("SADD", "entrance:backends:" + host, backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var routed = await router.GetAsync(host, path);
        using var unrouted = await router.GetAsync("admin-nobody.example.com", path);
        using var hostless = await router.Client.GetAsync(path); // Host: 127.0.0.1:port — no route for an IP either

        Assert.Equal("app", routed.Headers.GetValues("X-Backend").Single()); // the backend answered (its own status), not the router
        Assert.False(routed.Headers.Contains("X-Entrance-Error"));
        Assert.Equal(HttpStatusCode.NotFound, unrouted.StatusCode);
        Assert.Equal("unknown-host", unrouted.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Equal(HttpStatusCode.NotFound, hostless.StatusCode);
        Assert.DoesNotContain("entrance_requests", await hostless.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AdminListener_UnknownPathOrPost_404Or405()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var unknown = await router.AdminClient.GetAsync("/nothing");
        using var post = await router.AdminClient.PostAsync("/metrics", new StringContent(""));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task AdminListener_Off_NotStarted()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:AdminUrls=off");

        Assert.Null(router.AdminUrl);
        using var response = await router.GetAsync("__ping__");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Routes_NativeHostWithDeadMark_ShowsMatchBackendsAndDeadUntil()
    {
        await using var b1 = await TestBackend.StartAsync("b1");
        await using var b2 = await TestBackend.StartAsync("b2");
        const string host = "routes-dead.example.com";
        await redis.Server.CliAsync("SADD", "entrance:backends:" + host, b1.Url, b2.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);
        await RouterHost.WaitForSubscriberAsync(redis.Server);

        var first = await RouteAsync(router, host);
        Assert.Equal("store", first.GetProperty("source").GetString());
        var second = await RouteAsync(router, host);
        Assert.Equal("cache", second.GetProperty("source").GetString());
        Assert.True(second.GetProperty("ttlLeftMs").GetInt64() > 0);
        Assert.Equal("entrance:backends:" + host, second.GetProperty("matchedKey").GetString());
        Assert.Equal("native", second.GetProperty("schema").GetString());
        Assert.Equal("exact", second.GetProperty("match").GetString());
        Assert.All(second.GetProperty("backends").EnumerateArray(), b => Assert.Equal("alive", b.GetProperty("state").GetString()));

        var expiry = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();
        await redis.Server.CliAsync("ZADD", "entrance:dead:" + host, expiry.ToString(), b2.Url);

        // The ZADD's keyspace event invalidates the cached answer; the next look sees the mark.
        JsonElement dead = default;
        await Eventually.TrueAsync(async () =>
        {
            dead = (await RouteAsync(router, host)).GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("url").GetString() == b2.Url);
            return dead.GetProperty("state").GetString() == "dead";
        }, TimeSpan.FromSeconds(10), "the dead mark shows");
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expiry), DateTimeOffset.Parse(dead.GetProperty("deadUntil").GetString()!));
        Assert.Equal(0, dead.GetProperty("inFlight").GetInt32());
    }

    [Fact]
    public async Task Routes_HostUnderWildcardHipache_ShowsWildcardMatch()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:*.routes-wild.example.com", "wild", "http://127.0.0.1:9");
        await using var router = await RouterHost.StartAsync(redis.Server);

        var route = await RouteAsync(router, "a.routes-wild.example.com");

        Assert.True(route.GetProperty("found").GetBoolean());
        Assert.Equal("*.routes-wild.example.com", route.GetProperty("routeName").GetString());
        Assert.Equal("frontend:*.routes-wild.example.com", route.GetProperty("matchedKey").GetString());
        Assert.Equal("hipache", route.GetProperty("schema").GetString());
        Assert.Equal("wildcard", route.GetProperty("match").GetString());
    }

    [Fact]
    public async Task Routes_UnknownHost_404FoundFalse()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.AdminClient.GetAsync("/routes/routes-nobody.example.com");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(json.GetProperty("found").GetBoolean());
    }

    [Fact]
    public async Task Routes_InvalidHost_400()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.AdminClient.GetAsync("/routes/bad_..host");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Routes_TextFormat_ReadableLines()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:routes-text.example.com", "http://127.0.0.1:9");
        await using var router = await RouterHost.StartAsync(redis.Server);

        var text = await router.AdminClient.GetStringAsync("/routes/Routes-Text.Example.com.?format=text");

        Assert.Contains("host:        routes-text.example.com", text);
        Assert.Contains("matched key: entrance:backends:routes-text.example.com", text);
        Assert.Contains("http://127.0.0.1:9", text);
        Assert.Contains("alive", text);
    }

    private static async Task<JsonElement> RouteAsync(RouterHost router, string host)
    {
        using var response = await router.AdminClient.GetAsync("/routes/" + host);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
