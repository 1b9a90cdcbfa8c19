using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using Entrance.Router.ProxyProtocol;
using Entrance.Testing;
using StackExchange.Redis;

namespace Entrance.Router.Tests.Tcp;

/// <summary>TCP routes end to end: a real router, a real redis-server, real backends on loopback.</summary>
public sealed class TcpRoutesTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Bound = TcpTestClient.Bound;

    private RedisServer Redis => fixture.Server;

    [Fact]
    public async Task Connect_EchoRoute_BytesRelayedBothWaysAndShownOnRoutes()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await AddRouteAsync(port, [backend.Address]);
        await using var router = await StartAsync(port);

        using (var client = await TcpTestClient.ConnectAsync(port))
        {
            await client.SendAsync("hello through the router");
            Assert.Equal("hello through the router", await client.ReadAsync(24));
        }

        var report = await router.AdminClient.GetStringAsync($"/routes/tcp/{port}");
        Assert.Contains(backend.Address, report, StringComparison.Ordinal);
        Assert.Contains("\"lb\": \"round-robin\"", report, StringComparison.Ordinal);
        var all = await router.AdminClient.GetStringAsync("/routes/tcp/all");
        Assert.Contains($"\"port\": {port}", all, StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => (await router.AdminClient.GetStringAsync("/metrics")).Contains(
            $"entrance_tcp_bytes_total{{route=\"{port}\",direction=\"in\"}} 24", StringComparison.Ordinal), Bound, "bytes counted when the connection closed");
    }

    [Fact]
    public async Task Connect_RedisServerAsBackend_PingAnswersPong()
    {
        await using var backendRedis = await RedisServer.StartAsync();
        var port = FreePort.Next();
        await AddRouteAsync(port, [$"127.0.0.1:{backendRedis.Port}"]);
        await using var router = await StartAsync(port);

        using (var client = await TcpTestClient.ConnectAsync(port))
        {
            await client.SendAsync("*1\r\n$4\r\nPING\r\n");
            Assert.Equal("+PONG\r\n", await client.ReadAsync(7));
        }

        var psi = new ProcessStartInfo("redis-cli", ["-h", "127.0.0.1", "-p", port.ToString(), "PING"]) { RedirectStandardOutput = true };
        using var cli = Process.Start(psi)!;
        var output = await cli.StandardOutput.ReadToEndAsync().WaitAsync(Bound);
        await cli.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal("PONG", output.Trim());
    }

    [Fact]
    public async Task Connect_BackendKilledMidTest_NewConnectionsGoToOthersAndDeadMarkAppears()
    {
        await using var a = TcpTestBackend.Echo("a", greet: true);
        await using var b = TcpTestBackend.Echo("b", greet: true);
        await using var c = TcpTestBackend.Echo("c", greet: true);
        var port = FreePort.Next();
        await AddRouteAsync(port, [a.Address, b.Address, c.Address]);
        await using var router = await StartAsync(port);

        var before = await GreetingsAsync(port, 6);
        Assert.Equal(["a", "b", "c"], before.Distinct().Order());

        await b.KillAsync();
        var after = await GreetingsAsync(port, 9);

        Assert.DoesNotContain("b", after);
        Assert.Equal(["a", "c"], after.Distinct().Order());
        var mark = await Redis.Db.SortedSetScoreAsync($"entrance:tcp-dead:{port}", b.Address);
        Assert.NotNull(mark);
        Assert.True(mark > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "the dead mark expires in the future");
    }

    [Fact]
    public async Task Connect_RouteAddedThenRemovedLive_FollowsRedisWithoutRestart()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await using var router = await StartAsync(port);
        await RouterHost.WaitForSubscriberAsync(Redis);

        using (var client = await TcpTestClient.ConnectAsync(port))
        {
            Assert.True(await client.ClosedAsync(), "no route yet: closed at once");
        }

        await AddRouteAsync(port, [backend.Address]);
        await Eventually.TrueAsync(() => EchoesAsync(port), Bound, "route added is used");

        using var established = await TcpTestClient.ConnectAsync(port);
        await established.SendAsync("x");
        Assert.Equal("x", await established.ReadAsync(1));

        await Redis.Db.KeyDeleteAsync($"entrance:tcp:{port}");
        await Redis.Db.PublishAsync(RedisChannel.Literal("entrance:changed"), $"tcp:{port}");
        await Eventually.TrueAsync(async () => !await EchoesAsync(port), Bound, "route removed is no longer used");

        await established.SendAsync("still here");
        Assert.Equal("still here", await established.ReadAsync(10)); // established connections are not cut
    }

    [Fact]
    public async Task HalfClose_ClientShutsDownSend_StillReceivesBackendReply()
    {
        await using var backend = TcpTestBackend.AnswerAfterEof();
        var port = FreePort.Next();
        await AddRouteAsync(port, [backend.Address]);
        await using var router = await StartAsync(port);

        using var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("0123456789");
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        Assert.Equal("got 10 bytes", await client.ReadToEndAsync());
    }

    [Fact]
    public async Task Connect_IdleLongerThanIdleTimeout_Closed()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await AddRouteAsync(port, [backend.Address], ("idle_timeout", "300ms"));
        await using var router = await StartAsync(port);

        using var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("ping");
        Assert.Equal("ping", await client.ReadAsync(4));

        Assert.True(await client.ClosedAsync(), "closed by the router");
        await Eventually.TrueAsync(async () => (await router.AdminClient.GetStringAsync("/metrics")).Contains(
            "entrance_tcp_connections_closed_total{reason=\"idle_timeout\"} 1", StringComparison.Ordinal), Bound, "idle close counted");
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task Connect_ProxyProtocolSetting_BackendSeesClientAddress(string version)
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await AddRouteAsync(port, [backend.Address], ("proxy_protocol", version));
        await using var router = await StartAsync(port);

        using var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("data");
        await Eventually.TrueAsync(() => Task.FromResult(backend.Accepted == 1 && backend.ReceivedBy(0).AsSpan().EndsWith("data"u8)), Bound, "backend got the data");

        var received = backend.ReceivedBy(0);
        var status = ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(received), out var consumed, out var source);
        Assert.Equal(ProxyHeaderStatus.Done, status);
        Assert.Equal(client.Socket.LocalEndPoint, source);
        Assert.Equal("data", Encoding.ASCII.GetString(received, consumed, received.Length - consumed));
        Assert.Equal(version == "v1", received[0] == (byte)'P');
    }

    [Fact]
    public async Task Connect_BeyondRouteMaxConnections_ClosedAtOnceAndCounted()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await AddRouteAsync(port, [backend.Address], ("max_connections", "2"));
        await using var router = await StartAsync(port);

        using var one = await OpenEchoingAsync(port);
        using var two = await OpenEchoingAsync(port);
        using (var three = await TcpTestClient.ConnectAsync(port))
        {
            Assert.True(await three.ClosedAsync(), "third connection closed at once");
        }

        Assert.Contains($"entrance_tcp_connections_failed_total{{route=\"{port}\",reason=\"route_limit\"}} 1", await router.AdminClient.GetStringAsync("/metrics"), StringComparison.Ordinal);
        one.Dispose();
        await Eventually.TrueAsync(() => EchoesAsync(port), Bound, "a slot is free again once one closed");
    }

    [Fact]
    public async Task Connect_BeyondRouterMaxConnections_ClosedAtOnceAndCounted()
    {
        await using var backend = TcpTestBackend.Echo();
        var first = FreePort.Next();
        var second = FreePort.Next();
        await AddRouteAsync(first, [backend.Address]);
        await AddRouteAsync(second, [backend.Address]);
        await using var router = await StartAsync($"{first},{second}", "Entrance:Tcp:MaxConnections=1");

        using var one = await OpenEchoingAsync(first);
        using (var other = await TcpTestClient.ConnectAsync(second))
        {
            Assert.True(await other.ClosedAsync(), "the router's limit counts every port");
        }

        Assert.Contains($"entrance_tcp_connections_failed_total{{route=\"{second}\",reason=\"router_limit\"}} 1", await router.AdminClient.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    private async Task AddRouteAsync(int port, string[] backends, params (string Field, string Value)[] settings)
    {
        var db = Redis.Db;
        await db.SetAddAsync($"entrance:tcp:{port}", backends.Select(b => (RedisValue)b).ToArray());
        if (settings.Length > 0)
        {
            await db.HashSetAsync($"entrance:tcp-settings:{port}", settings.Select(s => new HashEntry(s.Field, s.Value)).ToArray());
        }

        await db.PublishAsync(RedisChannel.Literal("entrance:changed"), $"tcp:{port}");
    }

    private Task<RouterHost> StartAsync(int port, params string[] settings) => StartAsync(port.ToString(), settings);

    private Task<RouterHost> StartAsync(string ports, params string[] settings) =>
        RouterHost.StartAsync(Redis, [$"Entrance:Tcp:Ports={ports}", "Entrance:Tcp:Address=127.0.0.1", .. settings]);

    private static async Task<List<string>> GreetingsAsync(int port, int count)
    {
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var client = await TcpTestClient.ConnectAsync(port);
            names.Add(await client.ReadLineAsync());
        }

        return names;
    }

    private static async Task<bool> EchoesAsync(int port)
    {
        using var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("?");
        return await client.ReadAsync(1) == "?";
    }

    private static async Task<TcpTestClient> OpenEchoingAsync(int port)
    {
        var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("!");
        Assert.Equal("!", await client.ReadAsync(1));
        return client;
    }
}
