using System.Diagnostics;
using Entrance.Router.Invalidation;
using Entrance.Router.Tcp;
using Entrance.Testing;
using Microsoft.Extensions.Hosting;

namespace Entrance.Router.Tests.Tcp;

/// <summary>
/// TCP routes on a redis-server started with no configuration file (no keyspace events, as packaged): CLIENT TRACKING
/// carries raw writes to <c>entrance:tcp:*</c> to the router long before the TTL, and while changes are pushed TCP
/// answers live as long as HTTP ones.
/// </summary>
public sealed class TcpClientTrackingTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartStockAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Connect_RawSaddOnStockRedis_PickedUpWellUnderTtl()
    {
        await using var first = TcpTestBackend.Echo("first", greet: true);
        await using var second = TcpTestBackend.Echo("second", greet: true);
        var port = FreePort.Next();
        await using var router = await StartAsync(port, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00");
        await WaitForTrackingAsync(router);
        using (var refused = await TcpTestClient.ConnectAsync(port))
        {
            Assert.True(await refused.ClosedAsync()); // "no route" is now cached for the TTL
        }

        var watch = Stopwatch.StartNew();
        await _redis.CliAsync("SADD", $"entrance:tcp:{port}", first.Address);
        await Eventually.TrueAsync(async () => await GreetingAsync(port) == "first", TimeSpan.FromSeconds(5), "raw SADD of a new route picked up");
        await _redis.CliAsync("SADD", $"entrance:tcp:{port}", second.Address);
        await _redis.CliAsync("SREM", $"entrance:tcp:{port}", first.Address);

        // The TTL is 30 s (60 s while notified): only the tracking invalidations explain both switches within 10 s.
        await Eventually.TrueAsync(async () => await GreetingAsync(port) == "second", TimeSpan.FromSeconds(5), "raw SADD/SREM picked up");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Cache_ChangesPushed_TcpAnswersGetNotifiedTtl()
    {
        var port = FreePort.Next();
        await using var router = await StartAsync(port, "Entrance:CacheTtl=00:00:02", "Entrance:NotifiedCacheTtl=00:01:00");
        await WaitForTrackingAsync(router);

        await Eventually.TrueAsync(() => Task.FromResult(router.Service<TcpRouteCache>().TtlMs == 60_000), TimeSpan.FromSeconds(15), "notified TTL");
    }

    [Fact]
    public async Task Cache_NothingPushed_TcpAnswersKeepCacheTtl()
    {
        var port = FreePort.Next();
        await using var router = await StartAsync(port, "Entrance:CacheTtl=00:00:02", "Entrance:NotifiedCacheTtl=00:01:00", "Entrance:ClientTracking=false");
        await Eventually.TrueAsync(() => Task.FromResult(Listener(router).KeyspaceChecks > 0), TimeSpan.FromSeconds(15), "keyspace flags read");

        Assert.False(Listener(router).Tracking);
        Assert.Equal(2_000, router.Service<TcpRouteCache>().TtlMs);
    }

    private Task<RouterHost> StartAsync(int port, params string[] settings) =>
        RouterHost.StartAsync(_redis, [$"Entrance:Tcp:Ports={port}", "Entrance:Tcp:Address=127.0.0.1", .. settings]);

    private static InvalidationListener Listener(RouterHost router) => router.Invalidation;

    private static Task WaitForTrackingAsync(RouterHost router) =>
        Eventually.TrueAsync(() => Task.FromResult(Listener(router).Tracking), TimeSpan.FromSeconds(15), "CLIENT TRACKING registered");

    private static async Task<string> GreetingAsync(int port)
    {
        using var client = await TcpTestClient.ConnectAsync(port);
        return await client.ReadLineAsync();
    }
}
