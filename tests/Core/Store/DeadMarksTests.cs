using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class DeadMarksTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = await RedisConnection.ConnectAsync(redis.Server.Configuration, null, TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task ListAsync_BothSchemas_MarksInForceWithExpiry()
    {
        var now = DateTimeOffset.UtcNow;
        var until = now.AddMinutes(1).ToUnixTimeMilliseconds();
        await redis.Server.CliAsync("SADD", "entrance:backends:n.example.com", "http://1:80", "http://2:80");
        await redis.Server.CliAsync("ZADD", "entrance:dead:n.example.com", until.ToString(), "http://1:80", now.AddMinutes(-1).ToUnixTimeMilliseconds().ToString(), "http://2:80");
        await redis.Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://h:80");
        await redis.Server.CliAsync("SADD", "dead:h.example.com", "0");

        var marks = await new DeadMarks(_connection).ListAsync(null, now);

        Assert.Equal(
            [new StoredDeadMark("h.example.com", "http://h:80", RouteSchema.Hipache, long.MaxValue), new StoredDeadMark("n.example.com", "http://1:80", RouteSchema.Native, until)],
            marks);
    }

    [Fact]
    public async Task ClearAsync_MarksInBothSchemas_CountsAndDeletesThem()
    {
        await redis.Server.CliAsync("ZADD", "entrance:dead:x.example.com", "1", "http://1:80");
        await redis.Server.CliAsync("SADD", "dead:x.example.com", "0");

        Assert.Equal(2, await new DeadMarks(_connection).ClearAsync("x.example.com"));
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:dead:x.example.com", "dead:x.example.com"));
    }

    [Fact]
    public async Task ClearAsync_OneBackend_OnlyItsMarksInBothSchemas()
    {
        await redis.Server.CliAsync("ZADD", "entrance:dead:y.example.com", "9999999999999", "http://1:80", "9999999999999", "http://2:80");
        await redis.Server.CliAsync("RPUSH", "frontend:y.example.com", "id", "http://2:80", "http://1:80");
        await redis.Server.CliAsync("SADD", "dead:y.example.com", "0", "1");

        var cleared = await new DeadMarks(_connection).ClearAsync("y.example.com", "http://1:80");

        Assert.Equal(2, cleared);
        Assert.Equal("http://2:80", await redis.Server.CliAsync("ZRANGE", "entrance:dead:y.example.com", "0", "-1"));
        Assert.Equal("0", await redis.Server.CliAsync("SMEMBERS", "dead:y.example.com")); // index 0 is http://2:80
        Assert.Equal(0, await new DeadMarks(_connection).ClearAsync("y.example.com", "http://9:80"));
    }
}
