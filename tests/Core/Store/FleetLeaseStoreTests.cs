using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class FleetLeaseStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private FleetLeaseStore _lease = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        _lease = new FleetLeaseStore(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task AcquireAsync_Free_TakesItWithPx()
    {
        Assert.True(await _lease.AcquireAsync("a", TimeSpan.FromSeconds(10)));

        Assert.Equal("a", await redis.Server.CliAsync("GET", "entrance:fleet-leader"));
        Assert.InRange(long.Parse(await redis.Server.CliAsync("PTTL", "entrance:fleet-leader")), 1, 10_000);
        Assert.Equal("a", await _lease.HolderAsync());
    }

    [Fact]
    public async Task AcquireAsync_HeldByAnother_RefusedAndUntouched()
    {
        await redis.Server.CliAsync("SET", "entrance:fleet-leader", "b", "PX", "60000");

        Assert.False(await _lease.AcquireAsync("a", TimeSpan.FromSeconds(10)));

        Assert.Equal("b", await redis.Server.CliAsync("GET", "entrance:fleet-leader"));
        Assert.InRange(long.Parse(await redis.Server.CliAsync("PTTL", "entrance:fleet-leader")), 50_000, 60_000);
    }

    [Fact]
    public async Task AcquireAsync_HeldByItself_Renewed()
    {
        await redis.Server.CliAsync("SET", "entrance:fleet-leader", "a", "PX", "1000");

        Assert.True(await _lease.AcquireAsync("a", TimeSpan.FromSeconds(30)));

        Assert.InRange(long.Parse(await redis.Server.CliAsync("PTTL", "entrance:fleet-leader")), 20_000, 30_000);
    }

    [Fact]
    public async Task ReleaseAsync_OnlyItsOwnLease()
    {
        await redis.Server.CliAsync("SET", "entrance:fleet-leader", "b");
        await _lease.ReleaseAsync("a");
        Assert.Equal("b", await redis.Server.CliAsync("GET", "entrance:fleet-leader"));

        await _lease.ReleaseAsync("b");
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:fleet-leader"));
    }
}
