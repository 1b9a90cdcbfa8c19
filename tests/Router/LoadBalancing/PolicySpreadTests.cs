using Entrance.Testing;

namespace Entrance.Router.Tests.LoadBalancing;

/// <summary>Real requests through the router to three real backends, for each policy.</summary>
public class PolicySpreadTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const int Requests = 300;
    private TestBackend[] _backends = [];
    private RouterHost _router = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backends = await TestBackend.StartManyAsync("b1", "b2", "b3");
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

    [Fact]
    public async Task Spread_RoundRobin_EqualShares()
    {
        var counts = await SpreadAsync("rr.example.com", "round-robin");

        Assert.All(counts.Values, c => Assert.Equal(Requests / 3, c));
    }

    [Theory]
    [InlineData("random")]
    [InlineData("p2c")]
    public async Task Spread_RandomPolicies_EveryBackendGetsAFairShare(string policy)
    {
        var counts = await SpreadAsync(policy + ".example.com", policy);

        // counts holds every backend from the start (0 included), so this checks each one. Expected 100 each;
        // 50 is more than 7 standard deviations below for random picks.
        Assert.All(counts.Values, c => Assert.InRange(c, 50, 150));
    }

    [Fact]
    public async Task Spread_DefaultPolicyConfigured_AppliesToHostsWithoutSetting()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:LoadBalancing=round-robin");
        await redis.Server.CliAsync(["SADD", "entrance:backends:default.example.com", .. _backends.Select(b => b.Url)]);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 30; i++)
        {
            var body = await router.GetBodyAsync("default.example.com");
            counts[body] = counts.GetValueOrDefault(body) + 1;
        }

        Assert.All(counts.Values, c => Assert.Equal(10, c));
    }

    [Fact]
    public async Task Pick_P2C_AvoidsBackendWithRequestsInFlight()
    {
        // In-flight counts are per backend URL: slow requests for another host pinned to b1 load b1.
        await redis.Server.CliAsync("SADD", "entrance:backends:pinned.example.com", _backends[0].Url);
        await redis.Server.CliAsync(["SADD", "entrance:backends:busy.example.com", .. _backends.Select(b => b.Url)]);
        await redis.Server.CliAsync("HSET", "entrance:host:busy.example.com", "lb", "p2c");
        var slow = Enumerable.Range(0, 4).Select(_ => _router.GetAsync("pinned.example.com", "/slow?ms=5000")).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(_backends[0].Hits == 4), TimeSpan.FromSeconds(10), "slow requests reached b1");

        var counts = await CountAsync("busy.example.com", 60);
        await Task.WhenAll(slow);

        Assert.Equal(0, counts["b1"]);
        Assert.Equal(60, counts["b2"] + counts["b3"]);
        Assert.True(counts["b2"] > 0 && counts["b3"] > 0);
    }

    private async Task<Dictionary<string, int>> SpreadAsync(string host, string policy)
    {
        await redis.Server.CliAsync(["SADD", "entrance:backends:" + host, .. _backends.Select(b => b.Url)]);
        await redis.Server.CliAsync("HSET", "entrance:host:" + host, "lb", policy);
        return await CountAsync(host, Requests);
    }

    private async Task<Dictionary<string, int>> CountAsync(string host, int requests)
    {
        var counts = _backends.ToDictionary(b => b.Name, _ => 0);
        for (var i = 0; i < requests; i++)
        {
            var body = await _router.GetBodyAsync(host);
            counts[body]++;
        }

        return counts;
    }
}
