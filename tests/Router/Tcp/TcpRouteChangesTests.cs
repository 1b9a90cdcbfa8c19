using System.Text.Json;
using Entrance.Testing;
using StackExchange.Redis;

namespace Entrance.Router.Tests.Tcp;

/// <summary>How TCP routes follow Redis: keyspace events without PUBLISH, Redis down, and the access-log line.</summary>
public sealed class TcpRouteChangesTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TcpTestClient.Bound;
    private readonly string _dir = Directory.CreateTempSubdirectory("entrance-tcp-").FullName;
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Connect_BackendAddedWithoutPublish_KeyspaceEventReroutes()
    {
        await using var first = TcpTestBackend.Echo("first", greet: true);
        await using var second = TcpTestBackend.Echo("second", greet: true);
        var port = FreePort.Next();
        await _redis.Db.SetAddAsync($"entrance:tcp:{port}", first.Address);
        await using var router = await StartAsync(port, "Entrance:CacheTtl=00:10:00"); // only an event can explain a change
        Assert.Equal("first", await GreetingAsync(port));

        var transaction = _redis.Db.CreateTransaction();
        _ = transaction.SetRemoveAsync($"entrance:tcp:{port}", first.Address);
        _ = transaction.SetAddAsync($"entrance:tcp:{port}", second.Address);
        await transaction.ExecuteAsync();

        await Eventually.TrueAsync(async () => await GreetingAsync(port) == "second", Bound, "keyspace event invalidated the port");
    }

    [Fact]
    public async Task Connect_RedisDown_LastKnownRouteStillRelays()
    {
        await using var backend = TcpTestBackend.Echo("up", greet: true);
        var port = FreePort.Next();
        await _redis.Db.SetAddAsync($"entrance:tcp:{port}", backend.Address);
        await using var router = await StartAsync(port, "Entrance:CacheTtl=00:00:00.200");
        Assert.Equal("up", await GreetingAsync(port));

        _redis.Kill();
        await Task.Delay(400); // past the TTL: the next connection asks Redis, which cannot answer

        Assert.Equal("up", await GreetingAsync(port));
        Assert.Equal("up", await GreetingAsync(port));
    }

    [Fact]
    public async Task Close_PortWithoutRoute_AccessLogLineWithReason()
    {
        var port = FreePort.Next();
        var path = Path.Combine(_dir, "reject.log");
        await using (var router = await StartAsync(port, "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Path=" + path))
        {
            using var client = await TcpTestClient.ConnectAsync(port);
            Assert.True(await client.ClosedAsync());
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).Contains("close=no_route", StringComparison.Ordinal)), Bound, "line written");
        }

        Assert.Contains($"\"TCP {port}\" no_route 0 backend=\"-\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Close_RelayedConnection_AccessLogLineWithBytesAndReason()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await _redis.Db.SetAddAsync($"entrance:tcp:{port}", backend.Address);
        var path = Path.Combine(_dir, "tcp.log");
        await using (var router = await StartAsync(port, "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Format=json", "Entrance:AccessLog:Path=" + path))
        {
            using var client = await TcpTestClient.ConnectAsync(port);
            await client.SendAsync("12345");
            Assert.Equal("12345", await client.ReadAsync(5));
            client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Equal(string.Empty, await client.ReadToEndAsync());
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).Contains("\"tcp\"", StringComparison.Ordinal)), Bound, "line written");
        }

        using var line = JsonDocument.Parse(File.ReadAllLines(path).Single(l => l.Contains("\"tcp\"", StringComparison.Ordinal)));
        var root = line.RootElement;
        Assert.Equal(port, root.GetProperty("port").GetInt32());
        Assert.Equal(backend.Address, root.GetProperty("backend").GetString());
        Assert.Equal(5, root.GetProperty("bytes_in").GetInt64());
        Assert.Equal(5, root.GetProperty("bytes_out").GetInt64());
        Assert.Equal("client_closed", root.GetProperty("close").GetString());
        Assert.StartsWith("127.0.0.1:", root.GetProperty("client").GetString(), StringComparison.Ordinal);
    }

    private Task<RouterHost> StartAsync(int port, params string[] settings) =>
        RouterHost.StartAsync(_redis, [$"Entrance:Tcp:Ports={port}", "Entrance:Tcp:Address=127.0.0.1", .. settings]);

    private static async Task<string> GreetingAsync(int port)
    {
        using var client = await TcpTestClient.ConnectAsync(port);
        return await client.ReadLineAsync();
    }
}
