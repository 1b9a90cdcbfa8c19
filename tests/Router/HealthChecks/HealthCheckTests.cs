using System.Diagnostics;
using Entrance.Router.Fleet;
using Entrance.Testing;
using Xunit.Abstractions;

namespace Entrance.Router.Tests.HealthChecks;

/// <summary>Active health checks by the elected checker, against real backends, seen through two real routers.</summary>
public class HealthCheckTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly string[] Settings =
    [
        "Entrance:Fleet:Enabled=true", "Entrance:Fleet:LeaseDuration=00:00:02", "Entrance:Fleet:Tick=00:00:00.100",
        "Entrance:HealthChecks:DiscoveryInterval=00:00:00.200",
    ];

    private TestBackend[] _backends = [];

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backends = await TestBackend.StartManyAsync("b1", "b2");
    }

    public async Task DisposeAsync()
    {
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task HealthCheck_BackendFailsThenPasses_MarkedAndClearedOnBothRoutersByOneChecker()
    {
        await using var one = await RouterHost.StartAsync(redis.Server, Settings);
        await using var two = await RouterHost.StartAsync(redis.Server, Settings);
        await RouterHost.WaitForSubscriberAsync(redis.Server, subscribers: 2);
        var (b1, b2) = (_backends[0], _backends[1]);
        await redis.Server.CliAsync("SADD", "entrance:backends:hc.example.com", b1.Url, b2.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:hc.example.com", "health_path", "/health", "health_interval", "200ms",
            "health_fails", "2", "health_passes", "2", "lb", "round-robin");
        await Eventually.TrueAsync(() => Task.FromResult(b2.HealthChecks >= 3), TimeSpan.FromSeconds(15), "probes started");
        var routers = new[] { one, two };
        foreach (var router in routers)
        {
            Assert.Contains("b2", await BodiesAsync(router, 4)); // both serve b2 while it is healthy
        }

        b2.Healthy = false;
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("ZSCORE", "entrance:dead:hc.example.com", b2.Url) != "", TimeSpan.FromSeconds(15), "marked dead");
        var marked = watch.Elapsed;
        foreach (var router in routers)
        {
            await Eventually.TrueAsync(async () => !(await BodiesAsync(router, 4)).Contains("b2"), TimeSpan.FromSeconds(10), "router stops using b2");
        }

        var stopped = watch.Elapsed;
        foreach (var router in routers)
        {
            Assert.DoesNotContain("b2", await BodiesAsync(router, 10));
        }

        // One checker: only the leader probed, and every probe the backends saw was its.
        var leader = routers.Single(r => r.Service<FleetRunner>().IsLeader);
        var follower = routers.Single(r => r != leader);
        Assert.Equal(0, Probes(follower));
        Assert.InRange(b1.HealthChecks + b2.HealthChecks, 1, Probes(leader) + 2); // + probes in flight

        b2.Healthy = true;
        watch.Restart();
        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("ZSCORE", "entrance:dead:hc.example.com", b2.Url) == "", TimeSpan.FromSeconds(15), "mark cleared");
        var cleared = watch.Elapsed;
        foreach (var router in routers)
        {
            await Eventually.TrueAsync(async () => (await BodiesAsync(router, 4)).Contains("b2"), TimeSpan.FromSeconds(10), "router uses b2 again");
        }

        output.WriteLine($"interval 200ms, fails 2, passes 2: marked after {marked.TotalMilliseconds:0} ms, both routers off b2 after {stopped.TotalMilliseconds:0} ms; cleared after {cleared.TotalMilliseconds:0} ms, both back after {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task HealthCheck_HipacheFrontend_WritesAndClearsHipacheDeadSet()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, Settings);
        var (b1, b2) = (_backends[0], _backends[1]);
        b2.Healthy = false;
        await redis.Server.CliAsync("RPUSH", "frontend:hh.example.com", "hh", b1.Url, b2.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:hh.example.com", "health_path", "/health", "health_interval", "100ms", "health_fails", "1", "health_passes", "1");

        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("SMEMBERS", "dead:hh.example.com") == "1", TimeSpan.FromSeconds(15), "hipache dead index 1");
        b2.Healthy = true;

        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("SCARD", "dead:hh.example.com") == "0", TimeSpan.FromSeconds(15), "hipache mark cleared");
    }

    [Fact]
    public async Task HealthCheck_RedisUnreachable_NothingProbedOrMarked()
    {
        await using var router = await RouterHost.StartAsync("127.0.0.1:" + FreePort.Next(), Settings);
        var probes = _backends.Sum(b => b.HealthChecks);

        await Task.Delay(500); // several ticks that cannot read Redis

        Assert.False(router.Service<FleetRunner>().IsLeader);
        Assert.Equal(probes, _backends.Sum(b => b.HealthChecks));
        Assert.Equal(0, Probes(router));
    }

    private static double Probes(RouterHost router) =>
        router.Service<FleetMetrics>().Probes(true) + router.Service<FleetMetrics>().Probes(false);

    private static async Task<List<string>> BodiesAsync(RouterHost router, int n)
    {
        var bodies = new List<string>();
        for (var i = 0; i < n; i++)
        {
            bodies.Add(await router.GetBodyAsync("hc.example.com"));
        }

        return bodies;
    }
}
