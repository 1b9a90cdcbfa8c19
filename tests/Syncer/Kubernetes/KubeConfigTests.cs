using k8s;
using System.Net;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Tests.Fakes;
using k8s.Autorest;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Kubernetes;

public class KubeConfigTests : IAsyncLifetime
{
    private TestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static async Task<int> CountServicesAsync(KubeConfig config)
    {
        using var client = new k8s.Kubernetes(config.Client);
        return (await client.CoreV1.ListServiceForAllNamespacesAsync()).Items.Count;
    }

    [Fact]
    public void Resolve_ExplicitFileMissing_FailsWithOneLine()
    {
        var e = Assert.Throws<InvalidOperationException>(() => KubeConfig.Resolve("/nonexistent/kubeconfig"));

        Assert.Equal("kubeconfig not found: /nonexistent/kubeconfig", e.Message);
    }

    [Fact]
    public void Resolve_ContextMissing_FailsWithConfigurationError()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("entrance-kubeconfig-").FullName, "config");
        File.WriteAllText(path, "apiVersion: v1\nkind: Config\ncurrent-context: nope\ncontexts: []\nclusters: []\nusers: []\n");

        var e = Assert.Throws<InvalidOperationException>(() => KubeConfig.Resolve(path));

        Assert.StartsWith($"kubeconfig {path}: ", e.Message);
    }

    [Fact]
    public void Resolve_TokenKubeconfig_UsesCurrentContextServerAndNamespace()
    {
        var config = KubeConfig.Resolve(TestKubeconfig.Write(_api.Url, "secret", "platform"));

        Assert.Equal(_api.Url.TrimEnd('/'), config.Client.Host.TrimEnd('/'));
        Assert.Equal("platform", config.Namespace);
        Assert.Contains("context test", config.Source);
    }

    [Fact]
    public async Task Client_TokenKubeconfig_SendsBearerTokenAndFailsWithWrongOne()
    {
        _api.RequiredToken = "secret";
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));

        Assert.Equal(1, await CountServicesAsync(KubeConfig.Resolve(TestKubeconfig.Write(_api.Url, "secret"))));
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => CountServicesAsync(KubeConfig.Resolve(TestKubeconfig.Write(_api.Url, "wrong"))));
        Assert.Equal(HttpStatusCode.Unauthorized, e.Response.StatusCode);
    }

    [Fact]
    public async Task Client_TokenFileKubeconfig_SendsTheFilesToken()
    {
        _api.RequiredToken = "from-file";
        var path = TestKubeconfig.Write(_api.Url, user: "    tokenFile: token");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(path)!, "token"), "from-file\n");

        Assert.Equal(0, await CountServicesAsync(KubeConfig.Resolve(path)));
    }

    [Theory]
    [InlineData("client.authentication.k8s.io/v1")]
    [InlineData("client.authentication.k8s.io/v1beta1")]
    public async Task Client_ExecPluginKubeconfig_AuthenticatesWithThePluginsToken(string apiVersion)
    {
        _api.RequiredToken = "from-exec-plugin";
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        var path = TestKubeconfig.WriteExec(_api.Url, "from-exec-plugin", apiVersion);

        Assert.Equal(1, await CountServicesAsync(KubeConfig.Resolve(path)));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(File.ReadAllLines(path).Single(l => l.Contains("command:")).Split("command: ")[1].Trim())!, "calls")),
            "the plugin script should have run");
    }

    [Fact]
    public async Task Client_ExecPluginPrintsAnotherToken_IsRejectedWith401()
    {
        _api.RequiredToken = "the-right-one";
        var path = TestKubeconfig.WriteExec(_api.Url, "not-the-right-one");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => CountServicesAsync(KubeConfig.Resolve(path)));

        Assert.Equal(HttpStatusCode.Unauthorized, e.Response.StatusCode);
    }
}
