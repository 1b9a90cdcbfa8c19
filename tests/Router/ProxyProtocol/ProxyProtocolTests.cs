using System.Net;
using System.Net.Sockets;
using System.Text;
using Entrance.Testing;
using Microsoft.AspNetCore.Hosting;

namespace Entrance.Router.Tests.ProxyProtocol;

/// <summary>PROXY protocol headers written with a raw TcpClient to the real router listener; the backend echoes what it received.</summary>
public sealed class ProxyProtocolTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string Request = "GET /headers HTTP/1.1\r\nHost: pp.example.com\r\nConnection: close\r\n\r\n";

    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("pp");
        await redis.Server.CliAsync("SADD", "entrance:backends:pp.example.com", _backend.Url);
    }

    public Task DisposeAsync() => _backend.DisposeAsync().AsTask();

    private Task<RouterHost> StartRouterAsync(string trusted) =>
        RouterHost.StartAsync(redis.Server, "Entrance:ProxyProtocol=true", "Entrance:TrustedProxies:0=" + trusted, "Entrance:ProxyProtocolTimeout=00:00:05");

    /// <summary>Writes the bytes, reads until the router closes; returns everything it said (empty when it closed at once).</summary>
    private static async Task<string> ExchangeAsync(RouterHost router, byte[] bytes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, router.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await reader.ReadToEndAsync(timeout.Token);
        }
        catch (IOException)
        {
            return string.Empty; // reset by the router
        }
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] V2(byte command, byte family, byte[] addresses)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        byte[] tlv = [0x04, 0x00, 0x03, 0x61, 0x62, 0x63]; // a NOOP TLV, to be skipped
        var length = addresses.Length + tlv.Length;
        return [.. signature, (byte)(0x20 | command), family, (byte)(length >> 8), (byte)length, .. addresses, .. tlv, .. Ascii(Request)];
    }

    [Fact]
    public async Task Connection_TrustedPeerV1_BackendSeesHeadersClient()
    {
        await using var router = await StartRouterAsync("127.0.0.1/32");

        var answer = await ExchangeAsync(router, Ascii("PROXY TCP4 203.0.113.7 10.0.0.1 56324 80\r\n" + Request));

        Assert.Contains("200 OK", answer);
        Assert.Contains("\"X-Forwarded-For\":\"203.0.113.7\"", answer);
        Assert.Contains("\"X-Real-IP\":\"203.0.113.7\"", answer);
    }

    [Fact]
    public async Task Connection_TrustedPeerV2Tcp4_BackendSeesHeadersClient()
    {
        await using var router = await StartRouterAsync("127.0.0.1/32");
        byte[] addresses = [198, 51, 100, 9, 10, 0, 0, 1, 0xDC, 0x04, 0x00, 0x50];

        var answer = await ExchangeAsync(router, V2(1, 0x11, addresses));

        Assert.Contains("\"X-Forwarded-For\":\"198.51.100.9\"", answer);
        Assert.Contains("\"X-Real-IP\":\"198.51.100.9\"", answer);
    }

    [Fact]
    public async Task Connection_TrustedPeerV2Tcp6_BackendSeesHeadersClient()
    {
        await using var router = await StartRouterAsync("127.0.0.1/32");
        byte[] addresses = [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), 0x12, 0x34, 0x01, 0xBB];

        var answer = await ExchangeAsync(router, V2(1, 0x21, addresses));

        Assert.Contains("\"X-Forwarded-For\":\"2001:db8::7\"", answer);
    }

    [Fact]
    public async Task Connection_TrustedPeerV2Local_KeepsPeerAddress()
    {
        await using var router = await StartRouterAsync("127.0.0.1/32");

        var answer = await ExchangeAsync(router, V2(0, 0x00, []));

        Assert.Contains("\"X-Forwarded-For\":\"127.0.0.1\"", answer);
    }

    [Fact]
    public async Task Connection_UntrustedPeerSendsHeader_Closed()
    {
        await using var router = await StartRouterAsync("10.0.0.0/8");

        var answer = await ExchangeAsync(router, Ascii("PROXY TCP4 203.0.113.7 10.0.0.1 56324 80\r\n" + Request));

        Assert.Equal(string.Empty, answer);
        Assert.Equal(0, _backend.Hits);
        await Eventually.TrueAsync(async () =>
            (await router.AdminClient.GetStringAsync("/metrics")).Contains("entrance_proxy_protocol_rejected_total{reason=\"untrusted\"} 1"),
            TimeSpan.FromSeconds(10), "the rejection counted");
    }

    [Fact]
    public async Task Connection_UntrustedPeerPlainHttp_Served()
    {
        await using var router = await StartRouterAsync("10.0.0.0/8");

        var answer = await ExchangeAsync(router, Ascii(Request));

        Assert.Contains("\"X-Forwarded-For\":\"127.0.0.1\"", answer);
    }

    [Fact]
    public async Task Connection_TrustedPeerWithoutHeader_Closed()
    {
        await using var router = await StartRouterAsync("127.0.0.1/32");

        var answer = await ExchangeAsync(router, Ascii(Request));

        Assert.Equal(string.Empty, answer);
        Assert.Equal(0, _backend.Hits);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 99999 80\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 10.0.0.1 1 80\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 1 80\n")]
    public async Task Connection_TrustedPeerMalformedV1_Closed(string header)
    {
        await using var router = await StartRouterAsync("127.0.0.1/32");

        var answer = await ExchangeAsync(router, Ascii(header + Request));

        Assert.Equal(string.Empty, answer);
        Assert.Equal(0, _backend.Hits);
    }

    [Fact]
    public async Task Connection_HttpsListenerTrustedPeerV1_HeaderReadBeforeTls()
    {
        var certificate = Proxy.BackendCertificates.CreateLeaf(Proxy.BackendCertificates.CreateCa());
        await using var router = await RouterHost.StartAsync(redis.Server,
            b => b.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate)),
            "urls=https://127.0.0.1:0", "Entrance:ProxyProtocol=true", "Entrance:TrustedProxies:0=127.0.0.1/32");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, router.Port);
        await tcp.GetStream().WriteAsync(Ascii("PROXY TCP4 203.0.113.8 10.0.0.1 56324 443\r\n"));
        using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("pp.example.com");
        await tls.WriteAsync(Ascii(Request));

        var answer = await new StreamReader(tls).ReadToEndAsync();

        Assert.Contains("\"X-Forwarded-For\":\"203.0.113.8\"", answer);
        Assert.Contains("\"X-Forwarded-Proto\":\"https\"", answer);
    }

    [Fact]
    public async Task Connection_ProxyProtocolOff_HeaderIsABadRequest()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        var answer = await ExchangeAsync(router, Ascii("PROXY TCP4 203.0.113.7 10.0.0.1 56324 80\r\n" + Request));

        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Equal(0, _backend.Hits);
    }
}
