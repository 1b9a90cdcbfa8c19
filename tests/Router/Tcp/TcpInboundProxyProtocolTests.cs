using System.Buffers;
using System.Net;
using System.Text;
using Entrance.Router.ProxyProtocol;
using Entrance.Testing;

namespace Entrance.Router.Tests.Tcp;

/// <summary>
/// <c>Entrance:Tcp:AcceptProxyProtocol</c>: a trusted load balancer's PROXY header is read off TCP route connections (its
/// client address passed on in the route's own header), a trusted peer without one is closed, others are untouched.
/// </summary>
public sealed class TcpInboundProxyProtocolTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Bound = TcpTestClient.Bound;
    private static readonly IPEndPoint OriginalClient = new(IPAddress.Parse("203.0.113.7"), 40000);

    [Fact]
    public async Task Connect_TrustedPeerSendsHeader_BackendSeesOriginalClientThenData()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await AddRouteAsync(port, backend.Address, "v2");
        await using var router = await StartAsync(port, "127.0.0.1/32");

        using var client = await TcpTestClient.ConnectAsync(port);
        var header = ProxyProtocolWriter.V1(OriginalClient, new IPEndPoint(IPAddress.Loopback, port));
        await client.Socket.SendAsync((byte[])[.. header, .. "data"u8]); // header and data in one segment
        await Eventually.TrueAsync(() => Task.FromResult(backend.Accepted == 1 && backend.ReceivedBy(0).AsSpan().EndsWith("data"u8)), Bound, "backend got the data");

        var received = backend.ReceivedBy(0);
        Assert.Equal(ProxyHeaderStatus.Done, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(received), out var consumed, out var source));
        Assert.Equal(OriginalClient, source);
        Assert.Equal("data", Encoding.ASCII.GetString(received, consumed, received.Length - consumed));
    }

    [Fact]
    public async Task Connect_TrustedPeerWithoutHeader_ClosedAndCounted()
    {
        await using var backend = TcpTestBackend.Echo();
        var port = FreePort.Next();
        await AddRouteAsync(port, backend.Address);
        await using var router = await StartAsync(port, "127.0.0.1/32");

        using var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("no header here\r\n");

        Assert.True(await client.ClosedAsync());
        Assert.Equal(0, backend.Accepted);
        await Eventually.TrueAsync(async () => (await router.AdminClient.GetStringAsync("/metrics")).Contains(
            $"entrance_tcp_connections_failed_total{{route=\"{port}\",reason=\"proxy_header\"}} 1", StringComparison.Ordinal), Bound, "counted");
    }

    [Fact]
    public async Task Connect_UntrustedPeer_ServerFirstBytesRelayedWithoutWaiting()
    {
        await using var backend = TcpTestBackend.Echo("greeter", greet: true);
        var port = FreePort.Next();
        await AddRouteAsync(port, backend.Address);
        await using var router = await StartAsync(port, "10.0.0.0/8");

        using var client = await TcpTestClient.ConnectAsync(port);

        Assert.Equal("greeter", await client.ReadLineAsync()); // the client sent nothing: no header was awaited
    }

    private async Task AddRouteAsync(int port, string backend, string? proxyProtocol = null)
    {
        await fixture.Server.CliAsync("SADD", $"entrance:tcp:{port}", backend);
        if (proxyProtocol is not null)
        {
            await fixture.Server.CliAsync("HSET", $"entrance:tcp-settings:{port}", "proxy_protocol", proxyProtocol);
        }
    }

    private Task<RouterHost> StartAsync(int port, string trusted) =>
        RouterHost.StartAsync(fixture.Server, [$"Entrance:Tcp:Ports={port}", "Entrance:Tcp:Address=127.0.0.1", "Entrance:Tcp:AcceptProxyProtocol=true",
            "Entrance:TrustedProxies=" + trusted]);
}
