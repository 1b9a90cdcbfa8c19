using System.Net;
using Entrance.Router.DebugHeaders;
using Entrance.Testing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tests.DebugHeaders;

public class DebugHeadersTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static async Task<HttpResponseMessage> SendAsync(RouterHost router, string host, bool debug)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        if (debug)
        {
            request.Headers.Add("X-Debug", "1");
        }

        return await router.Client.SendAsync(request);
    }

    [Fact]
    public async Task XDebug_FromLoopback_ResponseCarriesDebugHeaders()
    {
        await using var backend = await TestBackend.StartAsync("dbg");
        await redis.Server.CliAsync("SADD", "entrance:backends:debug.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await SendAsync(router, "debug.example.com", debug: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(backend.Url, response.Headers.GetValues("X-Debug-Backend-Url").Single());
        Assert.Equal("entrance:backends:debug.example.com", response.Headers.GetValues("X-Debug-Matched-Key").Single());
        var total = double.Parse(response.Headers.GetValues("X-Debug-Time-Total").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var inBackend = double.Parse(response.Headers.GetValues("X-Debug-Time-Backend").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(inBackend, 0, total);
    }

    [Fact]
    public async Task NoXDebug_FromLoopback_NoDebugHeaders()
    {
        await using var backend = await TestBackend.StartAsync("dbg");
        await redis.Server.CliAsync("SADD", "entrance:backends:debug-none.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await SendAsync(router, "debug-none.example.com", debug: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("X-Debug-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task XDebug_FromUntrustedNetwork_NoDebugHeaders()
    {
        await using var backend = await TestBackend.StartAsync("dbg");
        await redis.Server.CliAsync("SADD", "entrance:backends:debug-untrusted.example.com", backend.Url);
        // Loopback is not trusted here, so the test client is an untrusted one.
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:DebugHeaders:TrustedNetworks=10.0.0.0/8");

        using var response = await SendAsync(router, "debug-untrusted.example.com", debug: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("X-Debug-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task XDebug_RouterOwnAnswer_HeadersSayNoBackend()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await SendAsync(router, "debug-nobody.example.com", debug: true);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("-", response.Headers.GetValues("X-Debug-Backend-Url").Single());
        Assert.Equal("-", response.Headers.GetValues("X-Debug-Time-Backend").Single());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.5", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("192.168.1.1", false)]
    public void IsTrusted_DefaultNetworks_LoopbackOnly(string address, bool trusted)
    {
        var headers = new DebugResponseHeaders(Options.Create(new DebugHeadersOptions()));

        Assert.Equal(trusted, headers.IsTrusted(IPAddress.Parse(address)));
    }
}
