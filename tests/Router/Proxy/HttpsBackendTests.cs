using System.Net;
using System.Security.Cryptography.X509Certificates;
using Entrance.Testing;

namespace Entrance.Router.Tests.Proxy;

/// <summary>https:// backends: a real Kestrel HTTPS backend whose certificate comes from a throwaway CA.</summary>
public sealed class HttpsBackendTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly X509Certificate2 _ca = BackendCertificates.CreateCa();
    private HttpsTestBackend _backend = null!;
    private RouterHost _router = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await HttpsTestBackend.StartAsync("secure", BackendCertificates.CreateLeaf(_ca));
        _router = await RouterHost.StartAsync(redis.Server);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private string BackendUrl => $"https://localhost:{_backend.Port}";

    [Fact]
    public async Task Invoke_BackendCaSet_ForwardsOverTlsWithBackendNameAsSni()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:ca.example.com", BackendUrl);
        await redis.Server.CliAsync("HSET", "entrance:host:ca.example.com", "backend_ca", BackendCertificates.Pem(_ca));

        using var response = await _router.GetAsync("ca.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("secure host=ca.example.com tls=True", await response.Content.ReadAsStringAsync());
        Assert.Equal("localhost", _backend.LastSni); // the backend URL's name, not the client's Host
    }

    [Fact]
    public async Task Invoke_TwoRoutesSameCa_OneTlsClientShared()
    {
        foreach (var host in new[] { "one.example.com", "two.example.com" })
        {
            await redis.Server.CliAsync("SADD", "entrance:backends:" + host, BackendUrl);
            await redis.Server.CliAsync("HSET", "entrance:host:" + host, "backend_ca", BackendCertificates.Pem(_ca));
            using var response = await _router.GetAsync(host);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _router.Service<Entrance.Router.Proxy.BackendClients>().Count);
    }

    [Fact]
    public async Task Invoke_UntrustedBackendCertificate_502BackendTlsErrorAndNotMarkedDead()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:noca.example.com", BackendUrl);

        using var response = await _router.GetAsync("noca.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("backend-tls-error", response.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Equal("0", (await redis.Server.CliAsync("EXISTS", "entrance:dead:noca.example.com")).Trim());
    }

    [Fact]
    public async Task Invoke_OtherCaInBundle_502BackendTlsError()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:wrongca.example.com", BackendUrl);
        await redis.Server.CliAsync("HSET", "entrance:host:wrongca.example.com", "backend_ca", BackendCertificates.Pem(BackendCertificates.CreateCa("Other CA")));

        using var response = await _router.GetAsync("wrongca.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("backend-tls-error", response.Headers.GetValues("X-Entrance-Error").Single());
    }

    [Fact]
    public async Task Invoke_BackendTlsVerifyOff_Forwards()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:noverify.example.com", BackendUrl);
        await redis.Server.CliAsync("HSET", "entrance:host:noverify.example.com", "backend_tls_verify", "0");

        using var response = await _router.GetAsync("noverify.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("secure ", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invoke_GarbageBackendCa_502BackendTlsError()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:garbage.example.com", BackendUrl);
        await redis.Server.CliAsync("HSET", "entrance:host:garbage.example.com", "backend_ca", "not a pem");

        using var response = await _router.GetAsync("garbage.example.com");

        Assert.Equal("backend-tls-error", response.Headers.GetValues("X-Entrance-Error").Single());
    }
}
