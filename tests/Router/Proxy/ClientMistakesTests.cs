using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Entrance.Testing;
using Microsoft.Extensions.Logging;

namespace Entrance.Router.Tests.Proxy;

/// <summary>A client's own mistakes get 4xx without touching (or blaming) a backend; answers Kestrel refuses to relay are fixed up, not 500.</summary>
public class ClientMistakesTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private RouterHost _router = null!;
    private TestBackend _b1 = null!;
    private TestBackend _b2 = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _b1 = await TestBackend.StartAsync("b1");
        _b2 = await TestBackend.StartAsync("b2");
        await redis.Server.CliAsync("SADD", "entrance:backends:app.example.com", _b1.Url, _b2.Url);
        _router = await RouterHost.StartAsync(redis.Server, b => b.Logging.AddProvider(_logs));
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _b1.DisposeAsync();
        await _b2.DisposeAsync();
    }

    [Fact]
    public async Task Invoke_MalformedChunkSize_400NoRetryNoDeadMark()
    {
        var response = await RawHttp.SendAsync(_router.Port,
            "POST /upload HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");

        Assert.Equal(400, RawHttp.Status(response));
        Assert.Contains("X-Entrance-Error: bad-request", response);
        await AssertNoBackendBlamedAsync();
    }

    [Fact]
    public async Task Invoke_ConnectOverHttp11_405WithoutTouchingABackend()
    {
        var response = await RawHttp.SendAsync(_router.Port, "CONNECT app.example.com:443 HTTP/1.1\r\nHost: app.example.com:443\r\n\r\n");

        Assert.Equal(405, RawHttp.Status(response));
        Assert.Contains("X-Entrance-Error: method-not-allowed", response);
        Assert.Contains("Allow: GET", response);
        Assert.Equal(0, _b1.Hits + _b2.Hits);
        await AssertNoBackendBlamedAsync();
    }

    [Fact]
    public async Task Invoke_Utf8HeaderValue_ForwardedAsItIs()
    {
        var response = await RawHttp.SendAsync(_router.Port,
            "GET /headers HTTP/1.1\r\nHost: app.example.com\r\nX-Name: Zoë Ωmega\r\nConnection: close\r\n\r\n", Encoding.UTF8);

        Assert.Equal(200, RawHttp.Status(response));
        var json = JsonDocument.Parse(response[response.IndexOf('{')..(response.LastIndexOf('}') + 1)]); // the body may be chunked
        Assert.Equal("Zoë Ωmega", json.RootElement.GetProperty("X-Name").GetString());
        Assert.Equal(1, _b1.Hits + _b2.Hits);
        await AssertNoBackendBlamedAsync();
    }

    [Theory]
    [InlineData(205, "Reset Content")]
    [InlineData(204, "No Content")]
    [InlineData(304, "Not Modified")]
    public async Task Invoke_BodilessStatusWithStrayBody_RelayedWithoutBody(int status, string phrase)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = ServeAsync(listener, $"HTTP/1.1 {status} {phrase}\r\nContent-Length: 11\r\nX-From: raw\r\nConnection: close\r\n\r\nstray body!");
        await redis.Server.CliAsync("SADD", "entrance:backends:raw.example.com", $"http://127.0.0.1:{port}");

        using var response = await _router.GetAsync("raw.example.com");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("raw", response.Headers.GetValues("X-From").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.False(response.Headers.Contains("X-Entrance-Error"));
        await served;
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Invoke_BackendUtf8ResponseHeader_RelayedAsItIs()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = ServeAsync(listener, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Name: Zoë\r\nConnection: close\r\n\r\nok");
        await redis.Server.CliAsync("SADD", "entrance:backends:utf8.example.com", $"http://127.0.0.1:{port}");

        var response = await RawHttp.SendAsync(_router.Port, "GET / HTTP/1.1\r\nHost: utf8.example.com\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, RawHttp.Status(response));
        Assert.Contains("X-Name: Zoë", response);
        await served;
    }

    private static async Task ServeAsync(TcpListener listener, string answer)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var request = new StringBuilder();
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(answer));
        await stream.FlushAsync();
        await Task.Delay(200); // let the router read it before the close
    }

    /// <summary>No dead mark in Redis, no retry, no warning about a backend.</summary>
    private async Task AssertNoBackendBlamedAsync()
    {
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:dead:app.example.com"));
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning && e.Message.Contains("Forwarding to", StringComparison.Ordinal));
        var metrics = Entrance.Router.Tests.Metrics.Exposition.Parse(await _router.AdminClient.GetStringAsync("/metrics"));
        Assert.Equal(0, metrics.ValueOrZero("entrance_retries_total"));
    }
}
