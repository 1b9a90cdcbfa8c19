using System.Net;
using System.Net.Sockets;
using System.Text;
using Entrance.Testing;

namespace Entrance.Router.Tests.Proxy;

public class ProxyPipelineTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RouterHost _router = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("b1");
        _router = await RouterHost.StartAsync(redis.Server);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Invoke_RouteAddedWithRedisCli_ForwardsToBackend()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:shop.example.com", _backend.Url);

        using var response = await _router.GetAsync("Shop.Example.com:8080", "/anything");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invoke_HipacheFrontend_ForwardsToBackend()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:legacy.example.com", "legacy", _backend.Url);

        Assert.Equal("b1", await _router.GetBodyAsync("legacy.example.com"));
    }

    [Fact]
    public async Task Invoke_UnknownHost_404WithReason()
    {
        using var response = await _router.GetAsync("nobody.example.com");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown-host", response.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Contains("No route", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invoke_UnknownHostStatusConfigured_UsesIt()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:UnknownHostStatus=400");

        using var response = await router.GetAsync("nobody.example.com");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("unknown-host", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Fact]
    public async Task Invoke_DeclaredHostWithoutBackends_502NoBackends()
    {
        await redis.Server.CliAsync("HSET", "entrance:host:empty.example.com", "lb", "random");

        using var response = await _router.GetAsync("empty.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("no-backends", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Fact]
    public async Task Invoke_HipacheFrontendWithoutBackends_502NoBackends()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:bare.example.com", "bare");

        using var response = await _router.GetAsync("bare.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("no-backends", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Fact]
    public async Task Invoke_BackendRefusesConnection_502Unreachable()
    {
        using var refused = new RefusedPort();
        await redis.Server.CliAsync("SADD", "entrance:backends:down.example.com", refused.Url);

        using var response = await _router.GetAsync("down.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("backend-unreachable", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Fact]
    public async Task Invoke_BackendTooSlow_504Timeout()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:BackendTimeout=00:00:00.300");
        await redis.Server.CliAsync("SADD", "entrance:backends:slow.example.com", _backend.Url);

        using var response = await router.GetAsync("slow.example.com", "/slow?ms=3000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("backend-timeout", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Theory]
    [InlineData("bad host", false)] // Kestrel refuses this one itself, before the router sees it
    [InlineData("a..b", true)]
    [InlineData("host:99999", true)]
    [InlineData("-x.com", true)]
    [InlineData("under_score-.com", true)]
    public async Task Invoke_InvalidHost_400WithoutRedis(string host, bool byRouter)
    {
        var before = await LookupCountAsync(redis.Server);

        var (status, headers) = await RawRequestAsync($"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, status);
        if (byRouter)
        {
            Assert.Contains("X-Entrance-Error: invalid-host", headers);
        }
        else
        {
            Assert.DoesNotContain("X-Entrance-Error", headers);
        }

        Assert.Equal(before, await LookupCountAsync(redis.Server));
    }

    [Fact]
    public async Task Invoke_MissingHost_400()
    {
        var (status, _) = await RawRequestAsync("GET / HTTP/1.0\r\n\r\n");

        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Invoke_PingHostWithRedisDown_200()
    {
        await using var router = await RouterHost.StartAsync($"127.0.0.1:{FreePort.Next()}");

        using var response = await router.GetAsync("__ping__");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Invoke_ForwardedHeaders_SeenByBackend()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:hdr.example.com", _backend.Url);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.Host = "hdr.example.com:8443";
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        using var response = await _router.Client.SendAsync(request);
        var seen = TestBackend.ParseHeaders(await response.Content.ReadAsStringAsync());

        Assert.Equal("hdr.example.com:8443", seen["Host"]);
        Assert.Equal("127.0.0.1", seen["X-Forwarded-For"]); // no trusted proxies: the client's own claim is dropped
        Assert.Equal("127.0.0.1", seen["X-Real-IP"]);
        Assert.Equal("http", seen["X-Forwarded-Proto"]);
        Assert.Equal("hdr.example.com:8443", seen["X-Forwarded-Host"]);
        Assert.Equal("8443", seen["X-Forwarded-Port"]);
        Assert.Matches("^[0-9a-f]{32}$", seen["X-Request-Id"]);
        Assert.Equal(seen["X-Request-Id"], response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task Invoke_ClientRequestId_KeptAndForwarded()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:rid.example.com", _backend.Url);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.Host = "rid.example.com";
        request.Headers.Add("X-Request-Id", "trace-abc-123");

        using var response = await _router.Client.SendAsync(request);
        var seen = TestBackend.ParseHeaders(await response.Content.ReadAsStringAsync());

        Assert.Equal("trace-abc-123", seen["X-Request-Id"]);
        Assert.Equal("trace-abc-123", response.Headers.GetValues("X-Request-Id").Single());
    }

    /// <summary>How many route lookups (EVALSHA_RO/EVAL_RO, or EVALSHA/EVAL) Redis has answered; a NOSCRIPT miss before its EVAL is not one.</summary>
    internal static async Task<long> LookupCountAsync(RedisServer server)
    {
        var stats = await server.CliAsync("INFO", "commandstats");
        long total = 0;
        foreach (var line in stats.Split('\n'))
        {
            if (line.StartsWith("cmdstat_evalsha:") || line.StartsWith("cmdstat_eval:") || line.StartsWith("cmdstat_evalsha_ro:") || line.StartsWith("cmdstat_eval_ro:"))
            {
                // cmdstat_evalsha:calls=N,usec=…,rejected_calls=R,failed_calls=F
                var fields = line.Split(':')[1].Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => (long)double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
                total += fields["calls"] - fields.GetValueOrDefault("failed_calls");
            }
        }

        return total;
    }

    private async Task<(int Status, string Headers)> RawRequestAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _router.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var response = await reader.ReadToEndAsync();
        var statusLine = response.Split("\r\n")[0];
        return (int.Parse(statusLine.Split(' ')[1]), response.Split("\r\n\r\n")[0]);
    }
}
