using System.Diagnostics;
using System.Net;
using Entrance.Router.Tls;
using Entrance.Testing;

namespace Entrance.Router.Tests.Tls;

/// <summary>Certificates changing and failing under a running router: rotation, Redis outage, unusable PEM.</summary>
public sealed class CertificateLifecycleTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _certificates.Dispose();
    }

    private Task<RouterHost> StartAsync(params string[] settings) =>
        RouterHost.StartAsync(_redis, ["Entrance:HttpsUrls=https://127.0.0.1:0", .. settings]);

    private static async Task<string> ServedAsync(RouterHost router, string name) =>
        (await TlsProbe.HandshakeAsync(router.HttpsPort(), name)).Certificate.Thumbprint;

    [Fact]
    public async Task Handshake_CertificateRotatedWithPublish_NextHandshakeGetsNewOne()
    {
        var first = _certificates.Leaf("rotate.example.com");
        var second = _certificates.Leaf("rotate.example.com");
        await _redis.StoreAsync("rotate.example.com", first);
        // A long TTL: only the invalidation can explain the new certificate.
        await using var router = await StartAsync("Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(_redis);
        Assert.Equal(first.Thumbprint, await ServedAsync(router, "rotate.example.com"));

        await _redis.StoreAsync("rotate.example.com", second);
        await Eventually.TrueAsync(async () => await ServedAsync(router, "rotate.example.com") == second.Thumbprint,
            TimeSpan.FromSeconds(10), "rotated certificate served");
    }

    [Fact]
    public async Task Handshake_CertificateExpiresWhileCached_DefaultServedWellBeforeTheTtl()
    {
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.AddSeconds(15);
        var shortLived = _certificates.Leaf(["brief.example.com"], now.AddDays(-1), notAfter);
        await _redis.StoreAsync("brief.example.com", shortLived);
        // A ten-minute TTL: only the not-after check at selection can explain the default certificate below.
        await using var router = await StartAsync("Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        var first = await ServedAsync(router, "brief.example.com");
        Assert.True(DateTimeOffset.UtcNow < notAfter, "the router was too slow to start for this test's 15 s certificate");
        Assert.Equal(shortLived.Thumbprint, first);

        await Eventually.TrueAsync(async () => await ServedAsync(router, "brief.example.com") != shortLived.Thumbprint,
            TimeSpan.FromSeconds(45), "the expired certificate no longer served");
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, await ServedAsync(router, "brief.example.com"));
        Assert.True(DateTimeOffset.UtcNow >= notAfter.AddSeconds(-1)); // X.509 keeps whole seconds
    }

    [Fact]
    public async Task Handshake_ManyNamesUnderOneWildcard_OneContextBuiltAndShared()
    {
        var wildcard = _certificates.Wildcard("shared.example.com");
        await _redis.StoreAsync("*.shared.example.com", wildcard);
        await using var router = await StartAsync("Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        var names = Enumerable.Range(1, 5).Select(i => $"app{i}.shared.example.com").ToList();

        foreach (var name in names)
        {
            Assert.Equal(wildcard.Thumbprint, await ServedAsync(router, name));
        }

        // Five cache slots (one per server name, each looked up in Redis), one parse and one TLS context between them.
        var cache = router.Service<CertificateCache>();
        Assert.Equal(5, router.Service<TlsMetrics>().Selections(CertificateSource.Redis));
        Assert.Equal(1, router.Service<TlsMetrics>().Builds);
        var contexts = names.Select(n => cache.Peek(n)!.Entry!.Options.ServerCertificateContext).Distinct().ToList();
        Assert.Single(contexts);
        Assert.NotNull(contexts[0]);
    }

    [Fact]
    public async Task Handshake_SharedWildcardRotated_BuiltAgainOnceAndServed()
    {
        var first = _certificates.Wildcard("turn.example.com");
        var second = _certificates.Wildcard("turn.example.com");
        await _redis.StoreAsync("*.turn.example.com", first);
        await using var router = await StartAsync("Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(_redis);
        Assert.Equal(first.Thumbprint, await ServedAsync(router, "a.turn.example.com"));
        Assert.Equal(first.Thumbprint, await ServedAsync(router, "b.turn.example.com"));

        await _redis.StoreAsync("*.turn.example.com", second);
        await Eventually.TrueAsync(async () => await ServedAsync(router, "a.turn.example.com") == second.Thumbprint,
            TimeSpan.FromSeconds(10), "rotated wildcard served");
        Assert.Equal(second.Thumbprint, await ServedAsync(router, "b.turn.example.com"));
        Assert.Equal(2, router.Service<TlsMetrics>().Builds);
    }

    [Fact]
    public async Task Handshake_CertificateWrittenWithoutPublish_KeyspaceEventInvalidates()
    {
        await _redis.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        var first = _certificates.Wildcard("keyspace.example.com");
        var second = _certificates.Wildcard("keyspace.example.com");
        await _redis.StoreAsync("*.keyspace.example.com", first, publish: false);
        await using var router = await StartAsync("Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(_redis);
        Assert.Equal(first.Thumbprint, await ServedAsync(router, "a.keyspace.example.com"));

        await _redis.StoreAsync("*.keyspace.example.com", second, publish: false);
        await Eventually.TrueAsync(async () => await ServedAsync(router, "a.keyspace.example.com") == second.Thumbprint,
            TimeSpan.FromSeconds(10), "rotated wildcard served after a raw HSET");
    }

    [Fact]
    public async Task Handshake_RedisKilled_SeenNameKeepsCertificateUnseenGetsDefaultFast()
    {
        var seen = _certificates.Leaf("seen.example.com");
        await _redis.StoreAsync("seen.example.com", seen);
        await using var router = await StartAsync("Entrance:CacheTtl=00:00:00.200", "Entrance:NotifiedCacheTtl=00:00:00.200",
            "Entrance:RedisTimeout=00:00:00.500");
        Assert.Equal(seen.Thumbprint, await ServedAsync(router, "seen.example.com"));

        _redis.Kill();
        await Task.Delay(400); // past the TTL: every answer now needs Redis
        Assert.Equal(seen.Thumbprint, await ServedAsync(router, "seen.example.com"));
        var watch = Stopwatch.StartNew();
        var unseen = await TlsProbe.HandshakeAsync(router.HttpsPort(), "unseen.example.com");
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, unseen.Certificate.Thumbprint);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"default served in {watch.Elapsed}");
        Assert.True(router.Service<TlsMetrics>().Selections(CertificateSource.Stale) >= 1);
    }

    [Fact]
    public async Task Handshake_RedisFrozen_UnseenNameGetsDefaultWithinRedisTimeout()
    {
        await using var router = await StartAsync("Entrance:RedisTimeout=00:00:00.300");
        await ServedAsync(router, "warm.example.com"); // connection and JIT warm
        await _redis.CliAsync("CLIENT", "PAUSE", "4000");

        var watch = Stopwatch.StartNew();
        var served = await ServedAsync(router, "frozen.example.com");
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, served);
        // Without the deadline the handshake waits out the whole 4 s pause.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"handshake took {watch.Elapsed.TotalMilliseconds} ms");
        await Task.Delay(4100 - (int)Math.Min(4000, watch.ElapsedMilliseconds));
    }

    [Theory]
    [InlineData("garbage", "invalid")]
    [InlineData("mismatched", "invalid")]
    [InlineData("expired", "expired")]
    [InlineData("wrongtype", "invalid")]
    public async Task Handshake_UnusableCertificateInRedis_DefaultServedAndCounted(string kind, string reason)
    {
        var name = kind + ".example.com";
        if (kind == "wrongtype")
        {
            await _redis.CliAsync("SET", "entrance:cert:" + name, "not a hash");
        }

        var stored = kind switch
        {
            "garbage" => new TestCertificate(_certificates.Ca, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "nope"),
            "mismatched" => _certificates.MismatchedKey(name),
            _ => _certificates.Expired(name),
        };
        if (kind != "wrongtype")
        {
            await _redis.StoreAsync(name, stored);
        }

        await using var router = await StartAsync();

        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, await ServedAsync(router, name));
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, await ServedAsync(router, name));
        using var metrics = await router.AdminClient.GetAsync("/metrics");
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains($"entrance_tls_certificate_problems_total{{reason=\"{reason}\"}} 1", text);
    }

    [Fact]
    public async Task Request_Http2OverTls_AlpnH2ProxiedWithForwardedProtoHttps()
    {
        await using var backend = await TestBackend.StartAsync("app");
        await _redis.CliAsync("SADD", "entrance:backends:app.example.com", backend.Url);
        await _redis.StoreAsync("app.example.com", _certificates.Leaf("app.example.com"));
        await using var router = await StartAsync();
        Assert.Equal("h2", (await TlsProbe.HandshakeAsync(router.HttpsPort(), "app.example.com")).Alpn);

        using var client = TlsProbe.Client(router.HttpsPort(), _certificates);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://app.example.com/headers")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        var headers = TestBackend.ParseHeaders(await response.Content.ReadAsStringAsync());
        Assert.Equal("https", headers["X-Forwarded-Proto"]);
        Assert.Equal("app.example.com", headers["Host"]);
    }

    [Fact]
    public async Task RouteReport_HostWithCertificate_ShowsSubjectSansAndNotAfter()
    {
        var leaf = _certificates.Leaf(["report.example.com", "alt.example.com"]);
        await _redis.StoreAsync("report.example.com", leaf);
        await using var router = await StartAsync();

        // No route for these hosts (404), but the certificate a handshake would get is shown all the same.
        using var report = await router.AdminClient.GetAsync("/routes/report.example.com");
        var json = await report.Content.ReadAsStringAsync();
        Assert.Contains("\"subject\": \"CN=report.example.com\"", json);
        Assert.Contains("\"alt.example.com\"", json);
        Assert.Contains($"\"notAfter\": \"{leaf.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'}\"", json);
        using var other = await router.AdminClient.GetAsync("/routes/other.example.com?format=text");
        var text = await other.Content.ReadAsStringAsync();
        Assert.Contains("certificate: default", text);
    }
}
