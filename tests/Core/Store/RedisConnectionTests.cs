using System.Diagnostics;
using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class RedisConnectionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("localhost:6379")]
    [InlineData("10.0.0.2:6379,password=secret,defaultDatabase=2")]
    public void Problem_UsableConfiguration_Null(string configuration) => Assert.Null(RedisConnection.Problem(configuration));

    [Theory]
    [InlineData("", "the Redis configuration is empty")]
    [InlineData("localhost:notaport", "invalid Redis configuration 'localhost:notaport': no endpoint")]
    [InlineData("localhost,connectTimeout=soon", "invalid Redis configuration 'localhost,connectTimeout=soon': ")]
    public void Problem_BadConfiguration_SaysWhy(string configuration, string expected) =>
        Assert.StartsWith(expected, RedisConnection.Problem(configuration));

    [Fact]
    public void ParseOptions_BadConfiguration_ArgumentExceptionWithTheSameReason()
    {
        var error = Assert.Throws<ArgumentException>(() => RedisConnection.ParseOptions("localhost:notaport"));

        Assert.StartsWith(RedisConnection.Problem("localhost:notaport")!, error.Message);
    }

    [Fact]
    public void ParseOptions_OperationTimeout_BoundsAsyncCommandsToo()
    {
        var options = RedisConnection.ParseOptions("localhost:6379", TimeSpan.FromMilliseconds(300));

        Assert.Equal(300, options.SyncTimeout);
        Assert.Equal(300, options.AsyncTimeout);
    }

    [Fact]
    public async Task ConnectAsync_NobodyListening_FailsFastNamingTheAddress()
    {
        var port = FreePort.Next();
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => RedisConnection.ConnectAsync($"127.0.0.1:{port}", null, TimeSpan.FromSeconds(2)));

        Assert.StartsWith($"cannot reach Redis at 127.0.0.1:{port}", ex.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Connect_DefaultDatabase_EveryPartUsesIt()
    {
        await redis.Server.CliAsync("FLUSHALL");
        using var connection = RedisConnection.Connect(redis.Server.Configuration + ",defaultDatabase=3", null, TimeSpan.FromSeconds(5));

        await new RouteWriter(connection).ApplyAsync(new RouteSpec("db.example.com", ["http://1:80"], new Dictionary<string, string>()), "apply", OwnershipMode.Claim);

        Assert.Equal("1", await redis.Server.CliAsync("-n", "3", "SCARD", "entrance:backends:db.example.com"));
        Assert.NotNull(await new RedisRouteStore(connection).ResolveAsync("db.example.com"));
        Assert.Equal(["db.example.com"], await new RouteReader(connection).ScanRouteNamesAsync());
    }
}
