using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Routes;

/// <summary><c>route add</c> with path routes, <c>--weight</c> and <c>--ttl</c> (issue 15), against a real redis-server.</summary>
public class RoutePathWeightTtlTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--weight", "-1")]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--weight", "10001")]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--ttl", "0")]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--ttl", "0s")]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--ttl", "-5s")]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--ttl", "30")]
    [InlineData("route", "add", "a.example.com", "http://10.0.0.5:8080", "--ttl", "2d")]
    [InlineData("route", "add", "a.example.com/api/../admin", "http://10.0.0.5:8080")]
    [InlineData("route", "add", "a.example.com/api/", "http://10.0.0.5:8080")]
    [InlineData("route", "add", "a.example.com//api", "http://10.0.0.5:8080")]
    [InlineData("route", "add", "a.example.com/", "http://10.0.0.5:8080")]
    [InlineData("route", "add", "a.example.com/a b", "http://10.0.0.5:8080")]
    [InlineData("route", "add", "a.example.com/api?x=1", "http://10.0.0.5:8080")]
    public async Task Add_BadValue_ExitTwoAndNothingWritten(params string[] args)
    {
        var run = await RunAsync(Server, args);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, await DumpAsync(Server));
        Assert.Contains("invalid", run.Err);
    }

    [Fact]
    public async Task Add_PathRoute_WritesBackendsAndPathsIndexTogether()
    {
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "route", "add", "Shop.Example.com/Api", "http://10.0.0.5:8080");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(["http://10.0.0.5:8080"], await MembersAsync(Server, "entrance:backends:shop.example.com/Api")); // the path keeps its case
        Assert.Equal(["/Api"], await MembersAsync(Server, "entrance:paths:shop.example.com"));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "shop.example.com/Api"), TimeSpan.FromSeconds(5), "published under the path route's name");

        await RunAsync(Server, "route", "remove", "shop.example.com/Api", "http://10.0.0.5:8080");
        Assert.Empty(await MembersAsync(Server, "entrance:paths:shop.example.com")); // the index follows the last backend out
    }

    [Fact]
    public async Task Remove_WholePathRoute_LeavesIndexAndHostAlone()
    {
        await RunAsync(Server, "route", "add", "shop.example.com", "http://10.0.0.1:80");
        await RunAsync(Server, "route", "add", "shop.example.com/api", "http://10.0.0.5:8080", "--weight", "3");

        var run = await RunAsync(Server, "route", "remove", "shop.example.com/api");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:paths:shop.example.com", "entrance:weights:shop.example.com/api", "entrance:backends:shop.example.com/api"));
        Assert.Equal(["http://10.0.0.1:80"], await MembersAsync(Server, "entrance:backends:shop.example.com"));
    }

    [Fact]
    public async Task Add_Weight_WrittenAndShown()
    {
        var run = await RunAsync(Server, "route", "add", "w.example.com", "http://10.0.0.5:8080", "--weight", "9");
        await RunAsync(Server, "route", "add", "w.example.com", "http://10.0.0.6:8080", "--weight", "0");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("9", await Server.CliAsync("HGET", "entrance:weights:w.example.com", "http://10.0.0.5:8080"));
        var show = await RunAsync(Server, "--output", "plain", "route", "show", "w.example.com");
        Assert.Contains("weight 9", show.Out);
        Assert.Contains("weight 0 (drained)", show.Out);

        await RunAsync(Server, "route", "add", "w.example.com", "http://10.0.0.5:8080", "--weight", "1");
        Assert.Equal(string.Empty, await Server.CliAsync("HGET", "entrance:weights:w.example.com", "http://10.0.0.5:8080")); // 1 is the default: stored as absent
    }

    [Fact]
    public async Task Add_Ttl_ExpiryByRedisClockAndShown()
    {
        var run = await RunAsync(Server, "route", "add", "t.example.com", "http://10.0.0.5:8080", "--ttl", "30s");

        Assert.True(run.Exit == 0, run.ToString());
        var score = double.Parse(await Server.CliAsync("ZSCORE", "entrance:expiry:t.example.com", "http://10.0.0.5:8080"));
        var redisNowMs = double.Parse((await Server.CliAsync("TIME")).Split('\n')[0]) * 1000;
        Assert.InRange(score - redisNowMs, 25_000, 31_000);
        var show = await RunAsync(Server, "--output", "json", "route", "show", "t.example.com");
        using var json = JsonDocument.Parse(show.Out);
        Assert.InRange(json.RootElement.GetProperty("backends")[0].GetProperty("expiresInMs").GetInt64(), 20_000, 30_000);
    }

    [Fact]
    public async Task Add_TtlOnHipacheFrontend_ExitTwoAndNothingWritten()
    {
        await Server.CliAsync("RPUSH", "frontend:h.example.com", "h", "http://10.0.0.1:80");
        var before = await DumpAsync(Server);

        var run = await RunAsync(Server, "route", "add", "h.example.com", "http://10.0.0.5:8080", "--ttl", "30s");

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("hipache frontend", run.Err);
        Assert.Equal(before, await DumpAsync(Server));
    }

    [Fact]
    public async Task Show_HostWithPaths_ListsEachPathRoute()
    {
        await RunAsync(Server, "route", "add", "p.example.com", "http://10.0.0.1:80");
        await RunAsync(Server, "route", "add", "p.example.com/api", "http://10.0.0.5:8080");
        await Server.CliAsync("HSET", "entrance:host:p.example.com/api", "strip_prefix", "1");

        var show = await RunAsync(Server, "--output", "plain", "route", "show", "p.example.com/api");

        Assert.True(show.Exit == 0, show.ToString());
        Assert.Contains("/api (prefix, strip_prefix) -> route p.example.com/api", show.Out);
        Assert.Contains("http://10.0.0.5:8080", show.Out);
    }

    [Fact]
    public async Task Apply_WeightAndTtl_WrittenWithPathIndex()
    {
        var file = Path.Combine(Path.GetTempPath(), $"apply-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            hosts:
              - host: shop.example.com/api
                ttl: 45s
                backends:
                  - url: http://10.0.0.5:8080
                    weight: 9
                  - http://10.0.0.6:8080
            """);
        try
        {
            var run = await RunAsync(Server, "apply", "-f", file);

            Assert.True(run.Exit == 0, run.ToString());
            Assert.Equal("9", await Server.CliAsync("HGET", "entrance:weights:shop.example.com/api", "http://10.0.0.5:8080"));
            Assert.Equal("", await Server.CliAsync("HGET", "entrance:weights:shop.example.com/api", "http://10.0.0.6:8080"));
            Assert.Equal("2", await Server.CliAsync("ZCARD", "entrance:expiry:shop.example.com/api"));
            Assert.Equal(["/api"], await MembersAsync(Server, "entrance:paths:shop.example.com"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("weight: -1")]
    [InlineData("weight: many")]
    public async Task Apply_BadWeight_ExitTwoAndNothingWritten(string weight)
    {
        var file = Path.Combine(Path.GetTempPath(), $"apply-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, $"""
            hosts:
              - host: shop.example.com
                backends:
                  - url: http://10.0.0.5:8080
                    {weight}
            """);
        try
        {
            var run = await RunAsync(Server, "apply", "-f", file);

            Assert.True(run.Exit == 2, run.ToString());
            Assert.Contains("weight", run.Err);
            Assert.Equal(string.Empty, await DumpAsync(Server));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
