using k8s;
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

/// <summary>An HTTPS API server with its own CA that requires a client certificate, as a real cluster's; the library's client configured from a kubeconfig.</summary>
public class KubeConfigTlsTests : IAsyncLifetime
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

    /// <summary>A kubeconfig for the HTTPS server with the CA and client certificate as kubeconfig data fields.</summary>
    private string Kubeconfig(X509Certificate2? ca, bool insecure = false)
    {
        static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
        var path = Path.Combine(Directory.CreateTempSubdirectory("entrance-tls-").FullName, "config");
        var caLine = ca is null ? string.Empty : $"certificate-authority-data: {B64(ca.ExportCertificatePem())}";
        var insecureLine = insecure ? "insecure-skip-tls-verify: true" : string.Empty;
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: prod
              cluster:
                server: {_url}
                {caLine}
                {insecureLine}
            contexts:
            - name: prod
              context: {"{"}cluster: prod, user: syncer{"}"}
            users:
            - name: syncer
              user:
                client-certificate-data: {B64(_client.ExportCertificatePem())}
                client-key-data: {B64(_client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())}
            """);
        return path;
    }

    private static async Task<string?> ListAsync(string kubeconfig)
    {
        using var client = new k8s.Kubernetes(KubeConfig.Resolve(kubeconfig).Client);
        return (await client.CoreV1.ListServiceForAllNamespacesAsync()).Metadata.ResourceVersion;
    }

    [Fact]
    public async Task List_ServerSignedByKubeconfigCa_PresentsClientCertificate()
    {
        var rv = await ListAsync(Kubeconfig(_ca));

        Assert.Equal("42", rv);
        Assert.Equal("CN=system:serviceaccount:entrance:entrance-syncer", _seenClientSubject);
    }

    [Fact]
    public async Task List_ServerSignedByAnotherCa_IsRejected()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => ListAsync(Kubeconfig(Authority("CN=someone-else"))));

        Assert.Null(_seenClientSubject);
    }

    [Fact]
    public async Task List_InsecureSkipTlsVerify_AcceptsUnknownCa()
    {
        Assert.Equal("42", await ListAsync(Kubeconfig(null, insecure: true)));
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
