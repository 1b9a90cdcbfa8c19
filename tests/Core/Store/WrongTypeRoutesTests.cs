using Entrance.Core.Schema;
using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class WrongTypeRoutesTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private RedisRouteStore _store = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, "p:", TimeSpan.FromSeconds(5));
        _store = new RedisRouteStore(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task ResolveAsync_HipacheFrontendAsString_RecordWithProblem()
    {
        await redis.Server.CliAsync("SET", "p:frontend:old.example.com", "http://10.0.0.5:80");

        var route = await _store.ResolveAsync("old.example.com");

        Assert.NotNull(route);
        Assert.Equal("old.example.com", route.RouteName);
        Assert.Equal("p:frontend:old.example.com", route.MatchedKey);
        Assert.Equal("p:frontend:old.example.com is a string, expected a list", route.Problem);
        Assert.Empty(route.Backends);
    }

    [Fact]
    public async Task ResolveAsync_SeveralWrongKeys_AllNamed()
    {
        await redis.Server.CliAsync("SADD", "p:entrance:backends:x.example.com", "http://10.0.0.5:80");
        await redis.Server.CliAsync("SET", "p:entrance:host:x.example.com", "oops");
        await redis.Server.CliAsync("HSET", "p:entrance:dead:x.example.com", "a", "b");

        var route = await _store.ResolveAsync("x.example.com");

        Assert.Equal("p:entrance:host:x.example.com is a string, expected a hash; p:entrance:dead:x.example.com is a hash, expected a zset", route!.Problem);
    }

    [Fact]
    public async Task ResolveAsync_GoodRoute_NoProblem()
    {
        await redis.Server.CliAsync("SADD", "p:entrance:backends:ok.example.com", "http://10.0.0.5:80");

        Assert.Null((await _store.ResolveAsync("ok.example.com"))!.Problem);
    }

    [Theory]
    [InlineData("p:entrance:backends:a", "Set")]
    [InlineData("p:entrance:host:a", "Hash")]
    [InlineData("p:entrance:dead:a", "SortedSet")]
    [InlineData("p:frontend:a", "List")]
    [InlineData("p:dead:a", "Set")]
    [InlineData("p:entrance:weights:a", "Hash")]
    [InlineData("p:entrance:expiry:a", "SortedSet")]
    [InlineData("p:entrance:paths:a", "Set")]
    [InlineData("p:other:a", null)]
    public void Expected_KeyName_SchemaType(string key, string? type) =>
        Assert.Equal(type, WrongTypeRoutes.Expected(new RedisKeys("p:"), key)?.ToString());
}
