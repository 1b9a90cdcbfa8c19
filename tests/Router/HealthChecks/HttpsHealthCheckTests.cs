using System.Security.Cryptography.X509Certificates;
using Entrance.Router.Tests.Proxy;
using Entrance.Testing;

namespace Entrance.Router.Tests.HealthChecks;

/// <summary>Active health checks of https:// backends trust what the route's requests trust.</summary>
public sealed class HttpsHealthCheckTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly string[] Settings =
    [
        "Entrance:Fleet:Enabled=true", "Entrance:Fleet:LeaseDuration=00:00:02", "Entrance:Fleet:Tick=00:00:00.100",
        "Entrance:HealthChecks:DiscoveryInterval=00:00:00.200",
    ];

    private readonly X509Certificate2 _ca = BackendCertificates.CreateCa();
    private HttpsTestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await HttpsTestBackend.StartAsync("secure", BackendCertificates.CreateLeaf(_ca));
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task HealthCheck_HttpsBackendSignedByRouteCa_ProbedOverTlsWithBackendNameNotMarkedDead()
    {
        var url = $"https://localhost:{_backend.Port}";
        await redis.Server.CliAsync("SADD", "entrance:backends:hc-tls.example.com", url);
        await redis.Server.CliAsync("HSET", "entrance:host:hc-tls.example.com", "backend_ca", BackendCertificates.Pem(_ca),
            "health_path", "/health", "health_interval", "200ms", "health_fails", "2", "health_passes", "2");

        await using var router = await RouterHost.StartAsync(redis.Server, Settings);

        // Probes reach the backend only through a handshake that trusted the route's CA and checked the URL's name
        // (the system store, or the route's Host as the name, would fail every probe and mark the backend dead).
        await Eventually.TrueAsync(() => Task.FromResult(_backend.HealthProbes >= 4), TimeSpan.FromSeconds(15), "probes answered over TLS");
        Assert.Equal("localhost", _backend.LastSni);
        Assert.Equal("0", (await redis.Server.CliAsync("EXISTS", "entrance:dead:hc-tls.example.com")).Trim());
        Assert.Equal("secure", (await router.GetBodyAsync("hc-tls.example.com")).Split(' ')[0]);
    }

    [Fact]
    public async Task HealthCheck_HttpsBackendOfUntrustedCa_MarkedDead()
    {
        var url = $"https://localhost:{_backend.Port}";
        await redis.Server.CliAsync("SADD", "entrance:backends:hc-untrusted.example.com", url);
        await redis.Server.CliAsync("HSET", "entrance:host:hc-untrusted.example.com", "backend_ca", BackendCertificates.Pem(BackendCertificates.CreateCa("Other CA")),
            "health_path", "/health", "health_interval", "200ms", "health_fails", "2");

        await using var router = await RouterHost.StartAsync(redis.Server, Settings);

        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("ZSCORE", "entrance:dead:hc-untrusted.example.com", url) != "",
            TimeSpan.FromSeconds(15), "marked dead: its certificate is not trusted by the route");
        Assert.Equal(0, _backend.HealthProbes);
    }
}
