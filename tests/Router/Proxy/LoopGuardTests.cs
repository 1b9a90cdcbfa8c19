using System.Net;
using System.Text.Json;
using Entrance.Router.Proxy;
using Entrance.Router.Tests.Metrics;
using Entrance.Testing;
using Microsoft.Extensions.Configuration;

namespace Entrance.Router.Tests.Proxy;

public class LoopGuardTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Invoke_RouteToTheRouterItself_508AfterOneHop()
    {
        await redis.Server.CliAsync("DEL", "entrance:backends:loop.example.com");
        await using var router = await RouterHost.StartAsync(redis.Server);
        await redis.Server.CliAsync("SADD", "entrance:backends:loop.example.com", router.Url);

        using var response = await router.GetAsync("loop.example.com");

        Assert.Equal(HttpStatusCode.LoopDetected, response.StatusCode);
        Assert.Equal("loop-detected", response.Headers.GetValues("X-Entrance-Error").Single());
        // The client's request and the one hop back: two answers in all, not hundreds.
        await Eventually.TrueAsync(async () => (await ScrapeAsync(router)).ValueOrZero("entrance_requests_total", "code=5xx") >= 2,
            TimeSpan.FromSeconds(10), "both passes counted");
        var metrics = await ScrapeAsync(router);
        Assert.Equal(2, metrics.Value("entrance_requests_total", "code=5xx"));
        Assert.Equal(1, metrics.Value("entrance_errors_total", "reason=loop-detected"));
    }

    [Fact]
    public async Task Invoke_TwoFleetsInAChain_NoFalseLoop()
    {
        // An edge fleet (its own Redis key prefix, so its own fleet id) in front of the platform fleet, same host.
        await using var backend = await TestBackend.StartAsync("app");
        await redis.Server.CliAsync("SADD", "entrance:backends:chain.example.com", backend.Url);
        await using var platform = await RouterHost.StartAsync(redis.Server);
        await using var edge = await RouterHost.StartAsync(redis.Server, "Entrance:KeyPrefix=edge:");
        await redis.Server.CliAsync("SADD", "edge:entrance:backends:chain.example.com", platform.Url);

        using var response = await edge.GetAsync("chain.example.com", "/headers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var headers = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var via = headers.RootElement.GetProperty("Via").GetString()!;
        Assert.Equal(2, via.Split(',').Length); // one entry per fleet
        Assert.Contains("(chain.example.com)", via);
    }

    [Fact]
    public async Task Invoke_AppProxyingToAnotherHostCopyingVia_NotALoop()
    {
        await using var backend = await TestBackend.StartAsync("app");
        await redis.Server.CliAsync("SADD", "entrance:backends:api.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);
        var fleet = router.Service<LoopGuard>().FleetId;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "api.example.com";
        request.Headers.TryAddWithoutValidation("Via", $"1.1 {fleet} (www.example.com)"); // as an nginx app behind the fleet would copy it

        using var response = await router.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("1.1 fleet-a (shop.example.com)", true)]
    [InlineData("1.0 proxy, 2 FLEET-A (shop.example.com)", true)]
    [InlineData("1.1 fleet-a (other.example.com)", false)]
    [InlineData("1.1 fleet-b (shop.example.com)", false)]
    [InlineData("1.1 fleet-ab (shop.example.com)", false)]
    [InlineData("fleet-a", false)]
    public void Contains_ViaValue_MatchesOnlyThisFleetAndHost(string via, bool expected) =>
        Assert.Equal(expected, new LoopGuard("fleet-a").Contains(via, "shop.example.com"));

    [Fact]
    public void From_FleetIdWithSpace_StartupConfigurationError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(LoopGuard.Key, "a b")]).Build();

        Assert.Throws<Entrance.Hosting.Startup.StartupConfigurationException>(() => LoopGuard.From(configuration));
    }

    [Fact]
    public void From_NoFleetId_SameRedisSameIdPasswordIgnored()
    {
        static string Id(string redis, string prefix) =>
            LoopGuard.From(new ConfigurationBuilder().AddInMemoryCollection([new("Entrance:Redis", redis), new("Entrance:KeyPrefix", prefix)]).Build()).FleetId;

        Assert.Equal(Id("r1:6379,password=a", ""), Id("r1:6379,password=b", ""));
        Assert.Equal(Id("redis://user:a@r1:6379", ""), Id("redis://user:b@r1:6379", "")); // a URL's password is left out too
        Assert.NotEqual(Id("r1:6379", ""), Id("r2:6379", ""));
        Assert.NotEqual(Id("r1:6379", ""), Id("r1:6379", "edge:"));
    }

    private static async Task<Exposition> ScrapeAsync(RouterHost router) =>
        Exposition.Parse(await router.AdminClient.GetStringAsync("/metrics"));
}
