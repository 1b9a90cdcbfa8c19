using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Tests.Fakes;

namespace Entrance.Syncer.Tests.Kubernetes;

public class KubeCredentialsTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("entrance-creds-").FullName;

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public void FromKubeconfig_TokenContext_UsesCurrentContextClusterAndNamespace()
    {
        var creds = KubeCredentials.FromKubeconfig(TestKubeconfig.Write("https://10.1.2.3:6443", "secret", "platform"));

        Assert.Equal(new Uri("https://10.1.2.3:6443"), creds.Server);
        Assert.Equal("secret", creds.Token());
        Assert.Equal("platform", creds.Namespace);
        Assert.False(creds.InsecureSkipTlsVerify);
    }

    [Fact]
    public void FromKubeconfig_ClientCertificateDataAndCaFile_AreLoaded()
    {
        var dir = TempDir();
        using var ca = SelfSigned("CN=test-ca");
        using var client = SelfSigned("CN=entrance-syncer");
        File.WriteAllText(Path.Combine(dir, "ca.crt"), ca.ExportCertificatePem());
        string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
        var keyPem = client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        var path = Path.Combine(dir, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: prod
              cluster:
                server: https://k8s.example.com:6443
                certificate-authority: ca.crt
            contexts:
            - name: prod
              context: {"{"}cluster: prod, user: admin{"}"}
            users:
            - name: admin
              user:
                client-certificate-data: {B64(client.ExportCertificatePem())}
                client-key-data: {B64(keyPem)}
            """);

        var creds = KubeCredentials.FromKubeconfig(path);

        Assert.Equal("CN=entrance-syncer", creds.ClientCertificate!.Subject);
        Assert.True(creds.ClientCertificate.HasPrivateKey);
        Assert.Equal("CN=test-ca", Assert.Single(creds.CertificateAuthorities!).Subject);
        Assert.Null(creds.Token());
        Assert.Null(creds.Namespace);
        using var handler = creds.CreateHandler();
        Assert.NotNull(handler.SslOptions.RemoteCertificateValidationCallback);
    }

    [Fact]
    public void FromKubeconfig_InsecureSkipTlsVerifyAndTokenFile_AreHonoured()
    {
        var dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "token"), "from-file\n");
        var path = Path.Combine(dir, "config");
        File.WriteAllText(path, """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users: [{name: u, user: {tokenFile: token}}]
            """);

        var creds = KubeCredentials.FromKubeconfig(path);

        Assert.True(creds.InsecureSkipTlsVerify);
        Assert.Equal("from-file", creds.Token());
    }

    [Fact]
    public void FromKubeconfig_MissingContext_FailsWithClearMessage()
    {
        var dir = TempDir();
        var path = Path.Combine(dir, "config");
        File.WriteAllText(path, "current-context: nope\ncontexts: []\n");

        var e = Assert.Throws<InvalidOperationException>(() => KubeCredentials.FromKubeconfig(path));

        Assert.Contains("context 'nope' not found", e.Message);
    }

    [Fact]
    public void InCluster_ServiceAccountFiles_ReadsTokenCaNamespaceAndRereadsRotatedToken()
    {
        var dir = TempDir();
        using var ca = SelfSigned("CN=cluster-ca");
        File.WriteAllText(Path.Combine(dir, "token"), "token-1");
        File.WriteAllText(Path.Combine(dir, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "namespace"), "entrance\n");
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", "443");
        try
        {
            var creds = KubeCredentials.InCluster(Path.Combine(dir, "token"), Path.Combine(dir, "ca.crt"), Path.Combine(dir, "namespace"));

            Assert.Equal(new Uri("https://10.96.0.1:443"), creds.Server);
            Assert.Equal("entrance", creds.Namespace);
            Assert.Equal("token-1", creds.Token());
            File.WriteAllText(Path.Combine(dir, "token"), "token-2");
            Assert.Equal("token-1", creds.Token());
            Assert.Equal("token-2", creds.Token(forceReread: true));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", null);
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", null);
        }
    }

    [Fact]
    public async Task KubeClient_TokenRotatedOnServer_RereadsFileAfter401AndSucceeds()
    {
        await using var api = await TestApiServer.StartAsync();
        var dir = TempDir();
        var tokenFile = Path.Combine(dir, "token");
        File.WriteAllText(tokenFile, "old");
        api.RequiredToken = "old";
        using var client = new KubeClient(new KubeCredentials { Server = new Uri(api.Url), TokenFile = tokenFile });
        await client.ListAsync(KubeResources.Services, null, CancellationToken.None);

        File.WriteAllText(tokenFile, "new");
        api.RequiredToken = "new";
        var list = await client.ListAsync(KubeResources.Services, null, CancellationToken.None);

        Assert.Empty(list.Items);
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));
    }
}
