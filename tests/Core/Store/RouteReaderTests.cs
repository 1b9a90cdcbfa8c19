using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class RouteReaderTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    public async Task InitializeAsync() => await redis.Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ScanRouteNamesAsync_PrefixWithGlobCharacters_MatchesThatPrefixLiterally()
    {
        await redis.Server.CliAsync("SADD", "t[1]*:entrance:backends:a.example.com", "http://1:80");
        await redis.Server.CliAsync("SADD", "t1x:entrance:backends:b.example.com", "http://1:80");
        await using var connection = await RedisConnection.ConnectAsync(redis.Server.Configuration, "t[1]*:", TimeSpan.FromSeconds(2));

        var names = await new RouteReader(connection).ScanRouteNamesAsync();

        Assert.Equal(["a.example.com"], names);
    }

    [Fact]
    public async Task ReadAsync_BothSchemasAndOwner_ReadsEverything()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://2:80", "http://1:80");
        await redis.Server.CliAsync("RPUSH", "frontend:a.example.com", "id", "http://h:80");
        await redis.Server.CliAsync("HSET", "entrance:owners", "a.example.com", "apply");
        await using var connection = await RedisConnection.ConnectAsync(redis.Server.Configuration, null, TimeSpan.FromSeconds(2));

        var route = Assert.Single(await new RouteReader(connection).ReadAsync(["a.example.com"]));

        Assert.Equal(["http://1:80", "http://2:80"], route.NativeBackends);
        Assert.Equal(["http://h:80"], route.HipacheBackends);
        Assert.Equal("id", route.HipacheIdentifier);
        Assert.Equal("apply", route.Owner);
        Assert.Equal(RouteSchema.Native, route.Schema);
    }
}
