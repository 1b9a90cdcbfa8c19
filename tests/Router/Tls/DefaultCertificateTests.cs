using Entrance.Router.Tls;
using Entrance.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Tls;

/// <summary>The default certificate's files, read again: a renewed pair replaces it, an unusable one never does.</summary>
public sealed class DefaultCertificateTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("entrance-default-cert-").FullName;

    private string CertPath => Path.Combine(_directory, "tls.crt");

    private string KeyPath => Path.Combine(_directory, "tls.key");

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Write(string chain, string key)
    {
        File.WriteAllText(CertPath, chain);
        File.WriteAllText(KeyPath, key);
    }

    private DefaultCertificate Create() => new(
        Options.Create(new TlsOptions { DefaultCertificate = new DefaultCertificateOptions { CertificatePath = CertPath, KeyPath = KeyPath } }),
        new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<DefaultCertificate>.Instance);

    [Fact]
    public void Reload_UnchangedFiles_KeepsCertificateAndReportsNothing()
    {
        var first = _certificates.Leaf("first.example.org");
        Write(first.ChainPem, first.KeyPem);
        var certificate = Create();

        Assert.False(certificate.Reload());
        Assert.Equal(first.Thumbprint, certificate.Certificate.Info.Thumbprint);
    }

    [Fact]
    public void Reload_RenewedPair_ServedFromThen()
    {
        var first = _certificates.Leaf("first.example.org");
        Write(first.ChainPem, first.KeyPem);
        var certificate = Create();
        var renewed = _certificates.Leaf("first.example.org");

        Write(renewed.ChainPem, renewed.KeyPem);

        Assert.True(certificate.Reload());
        Assert.Equal(renewed.Thumbprint, certificate.Certificate.Info.Thumbprint);
    }

    [Fact]
    public void Reload_HalfWrittenMismatchedOrExpired_KeepsTheCurrentOne()
    {
        var first = _certificates.Leaf("first.example.org");
        Write(first.ChainPem, first.KeyPem);
        var certificate = Create();
        var renewed = _certificates.Leaf("first.example.org");
        var mismatched = _certificates.MismatchedKey("first.example.org");
        var expired = _certificates.Expired("first.example.org");

        // The certificate file renewed, the key not yet (a non-atomic update), then garbage, then a mismatched pair, then an expired one.
        foreach (var (chain, key) in new[] { (renewed.ChainPem, first.KeyPem), ("-----BEGIN CERTIFICATE-----\nnot base64\n", renewed.KeyPem),
                     (mismatched.ChainPem, mismatched.KeyPem), (expired.ChainPem, expired.KeyPem) })
        {
            Write(chain, key);
            Assert.False(certificate.Reload());
            Assert.Equal(first.Thumbprint, certificate.Certificate.Info.Thumbprint);
        }

        File.Delete(KeyPath);
        Assert.False(certificate.Reload());
        Assert.Equal(first.Thumbprint, certificate.Certificate.Info.Thumbprint);
    }

    [Fact]
    public async Task Handshake_DefaultCertificateFilesRenewed_NextHandshakesGetTheNewOneWithoutRestart()
    {
        var first = _certificates.Leaf("first.example.org");
        Write(first.ChainPem, first.KeyPem);
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:HttpsUrls=https://127.0.0.1:0",
            $"Entrance:Tls:DefaultCertificate:CertificatePath={CertPath}", $"Entrance:Tls:DefaultCertificate:KeyPath={KeyPath}",
            "Entrance:Tls:DefaultCertificate:ReloadInterval=00:00:00.100");
        Assert.Equal(first.Thumbprint, (await TlsProbe.HandshakeAsync(router.HttpsPort(), "unknown.example.net")).Certificate.Thumbprint);

        var renewed = _certificates.Leaf("first.example.org");
        Write(renewed.ChainPem, renewed.KeyPem);

        await Eventually.TrueAsync(async () => (await TlsProbe.HandshakeAsync(router.HttpsPort(), "unknown.example.net")).Certificate.Thumbprint == renewed.Thumbprint,
            TimeSpan.FromSeconds(10), "the renewed default certificate served");
        Assert.Equal(renewed.Thumbprint, (await TlsProbe.HandshakeAsync(router.HttpsPort(), null)).Certificate.Thumbprint);
    }
}
