using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Entrance.Testing;
using Entrance.Testing.Grpc;

namespace Entrance.Router.Tests.Http2;

/// <summary>
/// HTTP/2 on the router's front (the h2c listener, the TLS listener by ALPN) and per-backend protocols behind it:
/// HTTP/1.1 and h2c backends on one host, https:// backends learning h2 by ALPN, WebSocket over HTTP/2, the router's
/// own answers to gRPC calls, the access log's protocol fields.
/// </summary>
public sealed class H2FrontTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RouterHost _router = null!;
    private TestBackend _http = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _http = await TestBackend.StartAsync("b1");
        await redis.Server.CliAsync("SADD", "entrance:backends:router.test", _http.Url);
        _router = await RouterHost.StartAsync(redis.Server, "Entrance:H2cUrls=http://127.0.0.1:0", "Entrance:HttpsUrls=https://127.0.0.1:0");
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _http.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Http2Front_GetToHttp11Backend_Forwarded(bool tls)
    {
        using var client = H2Clients.Http2Client(_router, tls);

        using var response = await client.GetAsync("/anything");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("b1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PlainListener_WithH2cListener_StillHttp11()
    {
        using var response = await _router.GetAsync("router.test", "/anything");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("b1", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WebSocket_OverHttp2_EchoedByHttp11Backend(bool tls)
    {
        var port = tls ? _router.TlsPort() : _router.H2cPort();
        using var invoker = new HttpMessageInvoker(H2Clients.Handler(port));
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact; // RFC 8441 extended CONNECT, no fallback
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await socket.ConnectAsync(new Uri($"{(tls ? "wss" : "ws")}://router.test:{port}/ws"), invoker, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("over h2"), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode); // 200 to the CONNECT; the backend saw a 101 upgrade
        Assert.Equal("over h2", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task MixedHost_H2cAndHttp11Backends_EachReachedWithItsProtocol()
    {
        await using var grpc = await GrpcTestBackend.StartAsync("g1");
        await redis.Server.CliAsync("SADD", "entrance:backends:mixed.example.com", _http.Url, grpc.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:mixed.example.com", "lb", "round-robin");

        var answers = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await _router.GetAsync("mixed.example.com", "/whoami");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }

        // b1 speaks only HTTP/1.1, g1 only HTTP/2 (prior knowledge): each answered, so each got its own protocol.
        Assert.Equal(["b1", "g1 HTTP/2"], answers.Order());
    }

    [Fact]
    public async Task HttpsBackend_OffersH2_ChosenByAlpnForHttpAndGrpc()
    {
        using var certificates = new TestCertificates();
        await using var backend = await GrpcTestBackend.StartAsync("tls1", certificates.Leaf("127.0.0.1").Certificate);
        await redis.Server.CliAsync("SADD", "entrance:backends:alpn.example.com", backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:alpn.example.com", "backend_tls_verify", "0");

        // ALPN offers h2 and http/1.1; this backend picks h2, for plain requests and gRPC alike.
        Assert.Equal("tls1 HTTP/2", await _router.GetBodyAsync("alpn.example.com", "/whoami"));
        var reply = await H2Clients.Echo(_router, "alpn.example.com", tls: false).UnaryAsync(new EchoRequest { Text = "tls" });
        Assert.Equal("HTTP/2", reply.Protocol);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GrpcRequest_UnknownHost_Http200WithGrpcStatusAndReason(bool http2)
    {
        using var client = http2 ? H2Clients.Http2Client(_router, tls: false) : new HttpClient { BaseAddress = new Uri(_router.Url) };
        var port = http2 ? _router.H2cPort() : _router.Port;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://nobody.example.com:{port}/entrance.test.Echo/Unary")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (!http2)
        {
            request.Headers.Host = "nobody.example.com"; // the plain client connects by its URL: name the host in the header
            request.RequestUri = new Uri(_router.Url + "/entrance.test.Echo/Unary");
        }

        request.Content.Headers.ContentType = new("application/grpc");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("No route", Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()));
        Assert.Equal("unknown-host", response.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AccessLog_GrpcOverH2c_BothProtocolsAndGrpcStatus()
    {
        await using var grpc = await GrpcTestBackend.StartAsync("g1");
        await redis.Server.CliAsync("SADD", "entrance:backends:logged.example.com", grpc.Url);
        var dir = Directory.CreateTempSubdirectory("entrance-h2-log").FullName;
        var path = Path.Combine(dir, "access.json.log");
        try
        {
            await using (var router = await RouterHost.StartAsync(redis.Server, "Entrance:H2cUrls=http://127.0.0.1:0",
                             "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Format=json", "Entrance:AccessLog:Path=" + path))
            {
                await H2Clients.Echo(router, "logged.example.com", tls: false).UnaryAsync(new EchoRequest { Text = "x" });
            } // stopping the router flushes the file

            var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(path))).RootElement;
            Assert.Equal("HTTP/2", line.GetProperty("protocol").GetString());
            Assert.Equal("h2c", line.GetProperty("backend_protocol").GetString());
            Assert.Equal("0", line.GetProperty("grpc_status").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
