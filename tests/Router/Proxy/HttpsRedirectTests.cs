using System.Net;
using Entrance.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tests.Proxy;

/// <summary>Per-route redirect to HTTPS and HSTS, on the real router (its HTTPS side is a Kestrel HTTPS listener made here).</summary>
public sealed class HttpsRedirectTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("plain");
        await redis.Server.CliAsync("SADD", "entrance:backends:shop.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:shop.example.com", "https_redirect", "1", "hsts", "max-age=31536000");
    }

    public Task DisposeAsync() => _backend.DisposeAsync().AsTask();

    [Fact]
    public async Task Invoke_HttpsRedirectOn_308ToSameUrlOnHttps()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.GetAsync("Shop.Example.com:8080", "/cart/a%20b?x=1&y=2");

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal("https://Shop.Example.com/cart/a%20b?x=1&y=2", response.Headers.Location!.OriginalString);
        Assert.False(response.Headers.Contains("Strict-Transport-Security")); // never over plain HTTP
        Assert.Equal(0, _backend.Hits);
    }

    [Fact]
    public async Task Invoke_RedirectStatus301AndPort8443_301WithPort()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:Tls:RedirectStatus=301", "Entrance:Tls:RedirectPort=8443");

        using var response = await router.GetAsync("shop.example.com", "/?q=1");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("https://shop.example.com:8443/?q=1", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Invoke_AcmeChallengePath_ProxiedNotRedirected()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.GetAsync("shop.example.com", "/.well-known/acme-challenge/token123");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("plain", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invoke_RedirectOff_Proxied()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:off.example.com", _backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:off.example.com", "https_redirect", "0", "hsts", "max-age=60");
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.GetAsync("off.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Invoke_OverHttps_ProxiedWithHsts()
    {
        using var response = await GetOverHttpsAsync("shop.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task Invoke_OverHttpsBackendDown_ErrorPageCarriesHsts()
    {
        using var refused = new RefusedPort();
        await redis.Server.CliAsync("SADD", "entrance:backends:down.example.com", refused.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:down.example.com", "hsts", "max-age=600");

        using var response = await GetOverHttpsAsync("down.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("max-age=600", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    /// <summary>A GET over HTTPS to a router whose HTTPS side is a Kestrel listener with a throwaway certificate.</summary>
    private async Task<HttpResponseMessage> GetOverHttpsAsync(string host)
    {
        var certificate = BackendCertificates.CreateLeaf(BackendCertificates.CreateCa());
        await using var router = await RouterHost.StartAsync(redis.Server,
            b => b.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate)),
            "urls=http://127.0.0.1:0;https://127.0.0.1:0");
        var https = router.App.Urls.Concat(Configuration.ConfigurationWebApplicationBuilderExtensions.ListeningAddresses(router.App))
            .First(u => u.StartsWith("https://", StringComparison.Ordinal));
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, https.TrimEnd('/') + "/");
        request.Headers.Host = host;
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [Fact]
    public async Task Invoke_TrustedProxySaysHttps_ProxiedNotRedirected()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:TrustedProxies:0=127.0.0.1/32");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "shop.example.com";
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await router.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task Invoke_UntrustedClientSaysHttps_StillRedirected()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "shop.example.com";
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await router.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
    }

    [Theory]
    [InlineData("Entrance:Tls:RedirectStatus=302")]
    [InlineData("Entrance:Tls:RedirectPort=70000")]
    public async Task Start_BadRedirectSetting_OptionsValidationFails(string setting)
    {
        await Assert.ThrowsAnyAsync<OptionsValidationException>(async () => await RouterHost.StartAsync(redis.Server, setting));
    }
}
