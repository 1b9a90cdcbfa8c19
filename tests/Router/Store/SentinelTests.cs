using System.Diagnostics;
using Entrance.Testing;
using Xunit.Abstractions;

namespace Entrance.Router.Tests.Store;

/// <summary>A router on Sentinel (master, replica, three sentinels): the master is killed under load.</summary>
public class SentinelTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync("ok");

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task Router_MasterKilledUnderLoad_CachedHostsKeepRoutingAndNewRouteServedOnNewMaster()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync();
        await sentinel.Master.CliAsync("SADD", "entrance:backends:cached.example.com", _backend.Url);
        await Eventually.TrueAsync(async () => await sentinel.Replica.CliAsync("SMEMBERS", "entrance:backends:cached.example.com") == _backend.Url,
            TimeSpan.FromSeconds(10), "route replicated");
        // The fleet lease on, as in production: its writes mid-failover reach the replica and are answered READONLY.
        await using var router = await RouterHost.StartAsync(sentinel.Configuration, "Entrance:CacheTtl=00:00:01", "Entrance:RedisTimeout=00:00:00.500",
            "Entrance:Fleet:Enabled=true");
        // The connect through the sentinels may outlast the 0.5 s timeout on a loaded machine; the test starts once cached.
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("cached.example.com") == "ok", TimeSpan.FromSeconds(15), "route served before the kill");

        using var stop = new CancellationTokenSource();
        var (requests, failures) = (0, 0);
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await router.GetAsync("cached.example.com");
                Interlocked.Increment(ref requests);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.Delay(500);

        var watch = Stopwatch.StartNew();
        sentinel.Master.Kill();
        await Eventually.TrueAsync(async () => await sentinel.MasterPortAsync() == sentinel.Replica.Port, TimeSpan.FromSeconds(30), "replica promoted");
        var promoted = watch.Elapsed;
        await sentinel.Replica.CliAsync("SADD", "entrance:backends:new.example.com", _backend.Url);
        await Eventually.TrueAsync(async () => (await router.GetAsync("new.example.com")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "new route served");
        var served = watch.Elapsed;
        await Task.Delay(500);
        stop.Cancel();
        await load;

        // The fleet's loop survived the failover (it still ticks), and the router was not stopped by it.
        var fleet = router.Service<Entrance.Router.Fleet.FleetRunner>();
        var ticks = fleet.Ticks;
        await Eventually.TrueAsync(() => Task.FromResult(fleet.Ticks > ticks + 1), TimeSpan.FromSeconds(15), "fleet still ticking after the failover");
        Assert.False(router.Service<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "router stopping");
        output.WriteLine($"promoted after {promoted.TotalSeconds:0.0} s, new route served after {served.TotalSeconds:0.0} s; {requests} requests, {failures} failed");
        Assert.Equal(0, failures);
        Assert.True(requests > 10, $"{requests} requests");
    }

    [Fact]
    public async Task Router_ReadFromReplica_LookupsAndInvalidationsOnTheReplica()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync();
        await using var other = await TestBackend.StartAsync("other");
        await sentinel.Master.CliAsync("SADD", "entrance:backends:replica.example.com", _backend.Url);
        await Eventually.TrueAsync(async () => await sentinel.Replica.CliAsync("SMEMBERS", "entrance:backends:replica.example.com") == _backend.Url,
            TimeSpan.FromSeconds(10), "route replicated");
        await using var router = await RouterHost.StartAsync($"{sentinel.Master.Configuration},{sentinel.Replica.Configuration}",
            "Entrance:RedisReadFrom=replica", "Entrance:CacheTtl=00:00:30");
        await Eventually.TrueAsync(async () => (await sentinel.Replica.CliAsync("CLIENT", "LIST")).Contains("flags=tB", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "tracking registered on the replica");
        var masterLookups = await Proxy.ProxyPipelineTests.LookupCountAsync(sentinel.Master);

        Assert.Equal("ok", await router.GetBodyAsync("replica.example.com"));
        await sentinel.Master.CliAsync("DEL", "entrance:backends:replica.example.com");
        await sentinel.Master.CliAsync("SADD", "entrance:backends:replica.example.com", other.Url);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("replica.example.com") == "other", TimeSpan.FromSeconds(5), "master write announced by the replica");
        Assert.True(await Proxy.ProxyPipelineTests.LookupCountAsync(sentinel.Replica) >= 2);
        Assert.Equal(masterLookups, await Proxy.ProxyPipelineTests.LookupCountAsync(sentinel.Master));
    }
}
