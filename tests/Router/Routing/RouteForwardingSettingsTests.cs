using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Entrance.Router.Routing;
using Entrance.Router.Tests.Proxy;
using Entrance.Testing;
using Microsoft.Extensions.Logging;

namespace Entrance.Router.Tests.Routing;

/// <summary>Per-route connect_timeout, backend_timeout, max_body and preserve_host through a real router.</summary>
public class RouteForwardingSettingsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private RouterHost _router = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("b1");
        // Global limits far above the routes' own, so a test can only pass through the route's setting.
        _router = await RouterHost.StartAsync(redis.Server, b => b.Logging.AddProvider(_logs),
            "Entrance:ConnectTimeout=00:00:30", "Entrance:BackendTimeout=00:01:00", "Entrance:Retries=0");
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Invoke_BackendTimeoutSet_504BackendTimeoutOnlyForThatRoute()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:quick.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:quick.example.com", "backend_timeout", "300ms");
        await redis.Server.CliAsync("SADD", "entrance:backends:patient.example.com", _backend.Url);

        var watch = Stopwatch.StartNew();
        using var timedOut = await _router.GetAsync("quick.example.com", "/slow?ms=20000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        Assert.Equal("backend-timeout", timedOut.Headers.GetValues("X-Entrance-Error").Single());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}, the global timeout is 60 s");
        using var patient = await _router.GetAsync("patient.example.com", "/slow?ms=600");
        Assert.Equal(HttpStatusCode.OK, patient.StatusCode);
    }

    [Fact]
    public async Task Invoke_ConnectTimeoutSet_ConnectGivenUpAt504()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            fillers.Add(s);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            }
            catch (OperationCanceledException)
            {
                break; // the queue is full
            }
        }

        await redis.Server.CliAsync("SADD", "entrance:backends:hang.example.com", $"http://127.0.0.1:{port}");
        await redis.Server.CliAsync("HSET", "entrance:host:hang.example.com", "connect_timeout", "300ms");
        try
        {
            var watch = Stopwatch.StartNew();
            using var response = await _router.GetAsync("hang.example.com");

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("backend-timeout", response.Headers.GetValues("X-Entrance-Error").Single());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}, the global connect timeout is 30 s");
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Invoke_MaxBodyWithLargerContentLength_413BeforeTouchingABackend()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:small.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:small.example.com", "max_body", "1k");

        using var large = await PostAsync("small.example.com", new ByteArrayContent(new byte[2000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal("body-too-large", large.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Equal(0, _backend.Hits);

        using var small = await PostAsync("small.example.com", new ByteArrayContent(new byte[1000]));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal("1000", await small.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invoke_MaxBodyExceededByChunkedBody_413NoDeadMark()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:chunky.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:chunky.example.com", "max_body", "1024");

        // A stream of unknown length: HttpClient sends it chunked, so only the streaming limit can catch it.
        using var response = await PostAsync("chunky.example.com", new StreamContent(new UnknownLengthStream(new byte[64 * 1024])));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body-too-large", response.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:dead:chunky.example.com"));
    }

    [Fact]
    public async Task Invoke_PreserveHostOff_BackendSeesItsOwnHost()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:objects.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:objects.example.com", "preserve_host", "0");
        await redis.Server.CliAsync("SADD", "entrance:backends:site.example.com", _backend.Url);

        using var own = JsonDocument.Parse(await _router.GetBodyAsync("objects.example.com", "/headers"));
        using var client = JsonDocument.Parse(await _router.GetBodyAsync("site.example.com", "/headers"));

        Assert.Equal($"127.0.0.1:{_backend.Port}", own.RootElement.GetProperty("Host").GetString());
        Assert.Equal("objects.example.com", own.RootElement.GetProperty("X-Forwarded-Host").GetString());
        Assert.Equal("site.example.com", client.RootElement.GetProperty("Host").GetString());
    }

    [Fact]
    public async Task Invoke_BadRawValue_IgnoredWithWarningAndRoutingContinues()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:typo.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:typo.example.com", "backend_timeout", "soon", "max_body", "-5", "preserve_host", "yes");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("b1", await _router.GetBodyAsync("typo.example.com"));
        }

        Assert.Single(_logs.Warnings("backend_timeout must be a duration"));
        using var report = JsonDocument.Parse(await _router.AdminClient.GetStringAsync("/routes/typo.example.com"));
        var forwarding = report.RootElement.GetProperty("forwarding");
        Assert.Equal(JsonValueKind.Null, forwarding.GetProperty("backendTimeoutMs").ValueKind);
        Assert.True(forwarding.GetProperty("preserveHost").GetBoolean());
        Assert.Contains("max_body", forwarding.GetProperty("problem").GetString());
    }

    [Fact]
    public async Task RouteReport_SettingsSet_ShowsThem()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:shown.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:shown.example.com", "connect_timeout", "2s", "backend_timeout", "1m", "max_body", "10m", "preserve_host", "0");

        using var report = JsonDocument.Parse(await _router.AdminClient.GetStringAsync("/routes/shown.example.com"));
        var f = report.RootElement.GetProperty("forwarding");

        Assert.Equal(2000, f.GetProperty("connectTimeoutMs").GetInt64());
        Assert.Equal(60_000, f.GetProperty("backendTimeoutMs").GetInt64());
        Assert.Equal(10 * 1024 * 1024, f.GetProperty("maxBody").GetInt64());
        Assert.False(f.GetProperty("preserveHost").GetBoolean());
        var text = await _router.AdminClient.GetStringAsync("/routes/shown.example.com?format=text");
        Assert.Contains("forwarding:  connect timeout 2000 ms, backend timeout 60000 ms, max body 10485760 bytes, Host the backend's", text);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60_000)]
    public void From_Durations_Parsed(string value, int ms)
    {
        var settings = RouteForwardingSettings.From(new Dictionary<string, string> { ["backend_timeout"] = value });

        Assert.Equal(TimeSpan.FromMilliseconds(ms), settings.BackendTimeout);
        Assert.Null(settings.Problem);
    }

    [Theory]
    [InlineData("backend_timeout", "0s")]
    [InlineData("backend_timeout", "5")]
    [InlineData("connect_timeout", "-1s")]
    [InlineData("connect_timeout", "2days")]
    [InlineData("max_body", "10x")]
    [InlineData("max_body", "-1")]
    [InlineData("preserve_host", "true")]
    public void From_BadValue_IgnoredWithProblem(string field, string value)
    {
        var settings = RouteForwardingSettings.From(new Dictionary<string, string> { [field] = value });

        Assert.Null(settings.BackendTimeout);
        Assert.Null(settings.ConnectTimeout);
        Assert.Null(settings.MaxBody);
        Assert.True(settings.PreserveHost);
        Assert.Contains(field, settings.Problem);
    }

    [Fact]
    public void From_NoneOfTheFields_SharedNone() =>
        Assert.Same(RouteForwardingSettings.None, RouteForwardingSettings.From(new Dictionary<string, string> { ["lb"] = "random" }));

    private async Task<HttpResponseMessage> PostAsync(string host, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.Host = host;
        return await _router.Client.SendAsync(request);
    }

    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
