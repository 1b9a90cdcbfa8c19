using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entrance.Syncer.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Tests.Kubernetes;

/// <summary>An HTTPS API server with its own CA that requires a client certificate, as a real cluster's.</summary>
public class KubeClientTlsTests : IAsyncLifetime
{
    private X509Certificate2 _ca = null!;
    private X509Certificate2 _client = null!;
    private WebApplication _app = null!;
    private string _url = string.Empty;
    private string? _seenClientSubject;

    public async Task InitializeAsync()
    {
        _ca = Authority("CN=entrance-test-ca");
        var server = Issue(_ca, "CN=127.0.0.1", server: true);
        _client = Issue(_ca, "CN=system:serviceaccount:entrance:entrance-syncer", server: false);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(server, https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.AllowAnyClientCertificate();
        })));
        _app = builder.Build();
        _app.Run(async context =>
        {
            _seenClientSubject = context.Connection.ClientCertificate?.Subject;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[]}""");
        });
        await _app.StartAsync();
        var port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        _url = $"https://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task ListAsync_ServerSignedByConfiguredCa_PresentsClientCertificate()
    {
        using var client = new KubeClient(new KubeCredentials
        {
            Server = new Uri(_url),
            CertificateAuthorities = [_ca],
            ClientCertificate = _client,
        });

        var list = await client.ListAsync(KubeResources.Services, null, CancellationToken.None);

        Assert.Equal("42", list.Metadata.ResourceVersion);
        Assert.Equal("CN=system:serviceaccount:entrance:entrance-syncer", _seenClientSubject);
    }

    [Fact]
    public async Task ListAsync_ServerSignedByAnotherCa_IsRejected()
    {
        using var client = new KubeClient(new KubeCredentials
        {
            Server = new Uri(_url),
            CertificateAuthorities = [Authority("CN=someone-else")],
            ClientCertificate = _client,
        });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.ListAsync(KubeResources.Services, null, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_InsecureSkipTlsVerify_AcceptsUnknownCa()
    {
        using var client = new KubeClient(new KubeCredentials { Server = new Uri(_url), InsecureSkipTlsVerify = true, ClientCertificate = _client });

        var list = await client.ListAsync(KubeResources.Services, null, CancellationToken.None);

        Assert.Equal("42", list.Metadata.ResourceVersion);
    }

    private static X509Certificate2 Authority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
