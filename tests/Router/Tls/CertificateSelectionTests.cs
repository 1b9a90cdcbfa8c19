using Entrance.Router.Tls;
using Entrance.Testing;

namespace Entrance.Router.Tests.Tls;

/// <summary>Which certificate a real TLS handshake gets: exact name, one-label wildcard, default, refusal.</summary>
public sealed class CertificateSelectionTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();

    public async Task InitializeAsync() => await redis.Server.CliAsync("FLUSHALL");

    public Task DisposeAsync()
    {
        _certificates.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A router whose CLIENT TRACKING is registered: the registration refreshes every cached answer, and landing between
    /// two handshakes it would turn a counted cache hit into a second Redis read.
    /// </summary>
    private async Task<RouterHost> StartAsync(params string[] settings)
    {
        var router = await RouterHost.StartAsync(redis.Server, ["Entrance:HttpsUrls=https://127.0.0.1:0", .. settings]);
        await router.WaitForTrackingAsync();
        return router;
    }

    [Fact]
    public async Task Handshake_ExactName_ServesItsCertificate()
    {
        var shop = _certificates.Leaf("shop.example.com");
        await redis.Server.StoreAsync("shop.example.com", shop);
        await using var router = await StartAsync();

        var (served, _) = await TlsProbe.HandshakeAsync(router.HttpsPort(), "shop.example.com");
        Assert.Equal(shop.Thumbprint, served.Thumbprint);
        var (upper, _) = await TlsProbe.HandshakeAsync(router.HttpsPort(), "SHOP.Example.com");
        Assert.Equal(shop.Thumbprint, upper.Thumbprint);
        Assert.Equal(1, router.Service<TlsMetrics>().Selections(CertificateSource.Redis));
        Assert.Equal(1, router.Service<TlsMetrics>().Selections(CertificateSource.Cache));
    }

    [Fact]
    public async Task Handshake_Wildcard_CoversOneLabelOnly()
    {
        var wildcard = _certificates.Wildcard("example.com");
        var exact = _certificates.Leaf("www.example.com");
        await redis.Server.StoreAsync("*.example.com", wildcard);
        await redis.Server.StoreAsync("www.example.com", exact);
        await using var router = await StartAsync();
        var port = router.HttpsPort();

        Assert.Equal(wildcard.Thumbprint, (await TlsProbe.HandshakeAsync(port, "a.example.com")).Certificate.Thumbprint);
        Assert.Equal(exact.Thumbprint, (await TlsProbe.HandshakeAsync(port, "www.example.com")).Certificate.Thumbprint);
        var deeper = (await TlsProbe.HandshakeAsync(port, "a.b.example.com")).Certificate;
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, deeper.Thumbprint);
        var bare = (await TlsProbe.HandshakeAsync(port, "example.com")).Certificate;
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, bare.Thumbprint);
    }

    [Fact]
    public async Task Metrics_CachedCertificates_SoonestExpiryAndExpiringSoonExported()
    {
        var later = _certificates.Leaf("later.example.com");
        var soon = _certificates.Leaf(["soon.example.com"], notAfter: DateTimeOffset.UtcNow.AddDays(3));
        await redis.Server.StoreAsync("later.example.com", later);
        await redis.Server.StoreAsync("soon.example.com", soon);
        await using var router = await StartAsync();
        await TlsProbe.HandshakeAsync(router.HttpsPort(), "later.example.com");
        await TlsProbe.HandshakeAsync(router.HttpsPort(), "soon.example.com");

        // The server counts a handshake once its side of it returns, which may be just after the client's.
        var text = string.Empty;
        await Eventually.TrueAsync(async () => (text = await router.AdminClient.GetStringAsync("/metrics")).Contains("entrance_tls_handshakes_total{result=\"ok\"} 2"),
            TimeSpan.FromSeconds(10), "two ok handshakes counted");
        var expiry = new DateTimeOffset(soon.Certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds();
        Assert.Contains($"entrance_tls_certificate_soonest_expiry_seconds {expiry}", text);
        Assert.Contains("entrance_tls_certificates_expiring_soon 1", text);
    }

    [Fact]
    public async Task Handshake_UnknownNameOrNoSni_GetsSelfSignedDefault()
    {
        await using var router = await StartAsync();
        var port = router.HttpsPort();

        var unknown = (await TlsProbe.HandshakeAsync(port, "nobody.example.net")).Certificate;
        var none = (await TlsProbe.HandshakeAsync(port, null)).Certificate;
        Assert.Equal(DefaultCertificate.SelfSignedSubject, unknown.Subject);
        Assert.Equal(unknown.Thumbprint, none.Thumbprint);
        Assert.Equal(2, router.Service<TlsMetrics>().Selections(CertificateSource.Default));
    }

    [Fact]
    public async Task Handshake_ConfiguredDefaultCertificate_ServedForUnknownNames()
    {
        var directory = Directory.CreateTempSubdirectory("entrance-tls-").FullName;
        var fallback = _certificates.Leaf("fallback.example.org");
        await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), fallback.ChainPem);
        await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), fallback.KeyPem);
        await using var router = await StartAsync(
            $"Entrance:Tls:DefaultCertificate:CertificatePath={Path.Combine(directory, "cert.pem")}",
            $"Entrance:Tls:DefaultCertificate:KeyPath={Path.Combine(directory, "key.pem")}");

        Assert.Equal(fallback.Thumbprint, (await TlsProbe.HandshakeAsync(router.HttpsPort(), "nobody.example.net")).Certificate.Thumbprint);
    }

    [Fact]
    public async Task Handshake_RejectUnknownNames_RefusedButKnownNamesServed()
    {
        var shop = _certificates.Leaf("shop.example.com");
        await redis.Server.StoreAsync("shop.example.com", shop);
        await using var router = await StartAsync("Entrance:Tls:RejectUnknownNames=true");
        var port = router.HttpsPort();

        await Assert.ThrowsAnyAsync<Exception>(() => TlsProbe.HandshakeAsync(port, "nobody.example.net"));
        await Assert.ThrowsAnyAsync<Exception>(() => TlsProbe.HandshakeAsync(port, null));
        Assert.Equal(shop.Thumbprint, (await TlsProbe.HandshakeAsync(port, "shop.example.com")).Certificate.Thumbprint);
        var metrics = router.Service<TlsMetrics>();
        await Eventually.TrueAsync(() => Task.FromResult(metrics.Handshakes("rejected") == 2 && metrics.Handshakes("ok") == 1),
            TimeSpan.FromSeconds(10), "two rejected handshakes and one ok counted");
    }

    [Fact]
    public async Task Handshake_ServerNameFlood_CacheStaysBounded()
    {
        await using var router = await StartAsync("Entrance:Tls:CacheSizeLimit=20");
        var cache = router.Service<CertificateCache>();
        for (var i = 0; i < 100; i++)
        {
            await cache.GetAsync($"random-{i}.flood.example");
        }

        // MemoryCache compacts in the background once over its limit: bounded, eventually at or under it.
        await Eventually.TrueAsync(() => Task.FromResult(cache.Count <= 20), TimeSpan.FromSeconds(10), "cache at or under its size limit");
    }
}
