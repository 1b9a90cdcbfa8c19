using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

/// <summary>
/// Writes that reach a replica, as they do mid-failover when the master is gone and the library falls back to the node
/// it has: Redis answers READONLY, which must read as "Redis cannot serve this now" (stale answers, retries), not as an
/// error that escapes (it stopped a router through its fleet lease).
/// </summary>
public sealed class ReadOnlyReplicaTests : IAsyncLifetime
{
    private RedisServer _master = null!;
    private RedisServer _replica = null!;

    public async Task InitializeAsync()
    {
        _master = await RedisServer.StartAsync();
        _replica = await RedisServer.StartAsync("--replicaof", "127.0.0.1", _master.Port.ToString());
        await _master.CliAsync("SADD", "entrance:backends:app.test", "http://127.0.0.1:1");
        await Eventually.TrueAsync(async () => await _replica.CliAsync("SMEMBERS", "entrance:backends:app.test") == "http://127.0.0.1:1",
            TimeSpan.FromSeconds(15), "replica in sync");
    }

    public async Task DisposeAsync()
    {
        await _replica.DisposeAsync();
        await _master.DisposeAsync();
    }

    [Fact]
    public async Task Writes_OnlyAReplicaReachable_UnavailableNotAServerError()
    {
        await using var connection = await RedisConnection.ConnectAsync(_replica.Configuration, null, TimeSpan.FromSeconds(5));
        var store = new RedisRouteStore(connection);
        var route = await store.ResolveAsync("app.test");
        Assert.NotNull(route); // reads go on

        var lease = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => new FleetLeaseStore(connection).AcquireAsync("router-1", TimeSpan.FromSeconds(10)));
        var mark = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => store.MarkDeadAsync(route, 0, DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds()));

        Assert.Contains("READONLY", lease.Message, StringComparison.Ordinal);
        Assert.Contains("READONLY", mark.Message, StringComparison.Ordinal);
        Assert.True(RedisConnection.IsUnavailable(lease.InnerException!));
        Assert.Equal("0", await _master.CliAsync("EXISTS", "entrance:fleet-leader"));
    }
}
