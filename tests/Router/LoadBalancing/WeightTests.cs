using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Router.Tests.LoadBalancing;

/// <summary>Backend weights (issue 15) through a real router to real backends, per policy.</summary>
public class WeightTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const int Requests = 1000;
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

    private async Task AddAsync(string host, string policy, params (TestBackend Backend, int Weight)[] backends)
    {
        using var connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        var editor = new RouteEditor(connection);
        foreach (var (backend, weight) in backends)
        {
            await editor.AddBackendsAsync(host, [backend.Url], weight);
        }

        await editor.SetSettingsAsync(host, new Dictionary<string, string> { ["lb"] = policy });
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

    [Fact]
    public async Task Spread_RoundRobinWeighted90To10_SplitsExactly()
    {
        await AddAsync("rr.example.com", "round-robin", (_backends[0], 9), (_backends[1], 1));

        var counts = await CountAsync("rr.example.com", Requests);

        // Smooth weighted round-robin is exact per cycle of 10; a cache refresh mid-run restarts the cycle (±1 per refresh).
        Assert.InRange(counts["b1"], 890, 910);
        Assert.Equal(Requests, counts["b1"] + counts["b2"]);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("p2c")]
    public async Task Spread_RandomPoliciesWeighted90To10_WithinFivePercent(string policy)
    {
        await AddAsync(policy + ".example.com", policy, (_backends[0], 90), (_backends[1], 10));

        var counts = await CountAsync(policy + ".example.com", Requests);

        // Expected 900; ±50 is more than 5 standard deviations (√(1000·0.9·0.1) ≈ 9.5).
        Assert.InRange(counts["b1"], 850, 950);
        Assert.Equal(Requests, counts["b1"] + counts["b2"]);
    }

    [Theory]
    [InlineData("round-robin")]
    [InlineData("random")]
    [InlineData("p2c")]
    public async Task Pick_WeightZero_BackendDrained(string policy)
    {
        var host = "drain-" + policy + ".example.com";
        await AddAsync(host, policy, (_backends[0], 0), (_backends[1], 1), (_backends[2], 1));

        var counts = await CountAsync(host, 100);

        Assert.Equal(0, counts["b1"]);
        Assert.True(counts["b2"] > 0 && counts["b3"] > 0, string.Join(", ", counts));
    }

    [Fact]
    public async Task Pick_EveryBackendWeightZero_StillServedByAllInTurn()
    {
        await AddAsync("all-drained.example.com", "round-robin", (_backends[0], 0), (_backends[1], 0));

        var counts = await CountAsync("all-drained.example.com", 20);

        Assert.Equal(10, counts["b1"]);
        Assert.Equal(10, counts["b2"]);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("10001")]
    [InlineData("1.5")]
    public async Task Pick_BadWeightWrittenRaw_IgnoredAsOneAndStillRouting(string raw)
    {
        await AddAsync("raw.example.com", "round-robin", (_backends[0], 1), (_backends[1], 1));
        await redis.Server.CliAsync("HSET", "entrance:weights:raw.example.com", _backends[0].Url, raw);
        // Count once the cached entry holds the raw weight and CLIENT TRACKING is registered (its registration refreshes
        // every entry): a refresh mid-count restarts the round-robin cycle.
        await _router.WaitForTrackingAsync();
        await Eventually.TrueAsync(async () =>
        {
            await _router.GetBodyAsync("raw.example.com");
            using var report = await _router.AdminClient.GetAsync("/routes/raw.example.com");
            return (await report.Content.ReadAsStringAsync()).Contains("not an integer 0..10000", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(15), "the raw weight read and reported");

        var counts = await CountAsync("raw.example.com", 20);

        // Ignored as 1: an even split (one refresh of the entry would shift it by one; a weight of 0 or 10000 by ten).
        Assert.InRange(counts["b1"], 9, 11);
        Assert.Equal(20, counts["b1"] + counts["b2"]);
    }

    [Fact]
    public async Task Report_WeightedRoute_ShowsWeights()
    {
        await AddAsync("show.example.com", "round-robin", (_backends[0], 5), (_backends[1], 0));
        await _router.GetBodyAsync("show.example.com");

        using var report = await _router.AdminClient.GetAsync("/routes/show.example.com");
        var json = System.Text.Json.JsonDocument.Parse(await report.Content.ReadAsStringAsync()).RootElement;

        var weights = json.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("url").GetString()!, b => b.GetProperty("weight").GetInt32());
        Assert.Equal(5, weights[_backends[0].Url]);
        Assert.Equal(0, weights[_backends[1].Url]);
    }
}
