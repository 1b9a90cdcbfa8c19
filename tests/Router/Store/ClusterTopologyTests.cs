using Entrance.Testing;
using Xunit.Abstractions;

namespace Entrance.Router.Tests.Store;

/// <summary>
/// A cluster that grows while routers run: a master added by <c>redis-cli --cluster add-node</c> and given a slot. Writes
/// on it must reach the router like writes on the masters it started with (keyspace events and tracking are node-local).
/// Each test owns its cluster: it changes the topology.
/// </summary>
public sealed class ClusterTopologyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestBackend _one = null!;
    private TestBackend _two = null!;

    public async Task InitializeAsync() => (_one, _two) = (await TestBackend.StartAsync("one"), await TestBackend.StartAsync("two"));

    public async Task DisposeAsync()
    {
        await _one.DisposeAsync();
        await _two.DisposeAsync();
    }

    [Theory]
    [InlineData("tracking", "Entrance:ClientTracking=true")]
    [InlineData("keyspace", "Entrance:ClientTracking=false")]
    public async Task Invalidation_MasterJoinsAfterStart_RawWritesOnItReachRouter(string path, string setting)
    {
        await using var cluster = await RedisCluster.StartAsync();
        const string host = "joined.test";
        const string key = "entrance:backends:{joined.test}";
        await cluster.CliAsync("SADD", key, _one.Url);
        await using var router = await RouterHost.StartAsync(cluster.Configuration, "Entrance:CacheTtl=00:00:30", setting);
        await ClusterHosts.WaitForPatternsOnEveryNodeAsync(cluster);
        if (path == "tracking")
        {
            await router.WaitForTrackingAsync();
        }

        Assert.Equal("one", await router.GetBodyAsync(host));

        var joined = await cluster.AddMasterAsync();
        await cluster.MoveSlotAsync(key, joined);

        // The router finds the new master by itself (no request was redirected there) within one topology check and
        // subscribes there.
        await Eventually.TrueAsync(async () => int.TryParse(await joined.CliAsync("PUBSUB", "NUMPAT"), out var n) && n > 0,
            TimeSpan.FromSeconds(45), "keyspace patterns subscribed on the joined master");
        if (path == "tracking")
        {
            await Eventually.TrueAsync(async () => (await joined.CliAsync("CLIENT", "LIST")).Contains("flags=tB", StringComparison.Ordinal),
                TimeSpan.FromSeconds(45), "tracking registered on the joined master");
        }

        var cached = await router.GetBodyAsync(host);
        await joined.CliAsync("DEL", key);
        await joined.CliAsync("SADD", key, _two.Url);

        // Only the joined master's event can explain a switch well under the 30 s TTL.
        await Eventually.TrueAsync(async () => await router.GetBodyAsync(host) == "two", TimeSpan.FromSeconds(10), "write on the joined master reached the router");
        output.WriteLine($"{path}: served '{cached}' before the write");
    }
}
