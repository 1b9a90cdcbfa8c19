using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;

namespace Entrance.Syncer.Tests.Deploy;

/// <summary>deploy/kubernetes must be valid for kubectl (client-side dry run against the test API server's discovery).</summary>
public class ManifestsTests : IAsyncLifetime
{
    private static readonly string Dir = Path.Combine(RepoPaths.Root, "deploy", "kubernetes");
    private TestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [KubectlFact]
    public async Task KubectlApplyDryRun_AllManifests_Accepted()
    {
        var (code, output, error) = await Kubectl.RunAsync("--server", _api.Url, "apply", "--dry-run=client", "--validate=false", "-f", Dir);

        Assert.True(code == 0, $"kubectl apply --dry-run=client failed ({code}): {error}\n{output}");
        foreach (var expected in new[]
        {
            "namespace/entrance", "deployment.apps/entrance-redis", "service/entrance-redis", "deployment.apps/entrance-router", "service/entrance-router",
            "serviceaccount/entrance-syncer", "clusterrole.rbac.authorization.k8s.io/entrance-syncer", "role.rbac.authorization.k8s.io/entrance-syncer-leader-election",
            "deployment.apps/entrance-syncer",
        })
        {
            Assert.Contains(expected, output);
        }
    }

    [Fact]
    public void SyncerManifest_Rbac_IsLeastPrivilege()
    {
        var text = File.ReadAllText(Path.Combine(Dir, "30-syncer.yaml"));
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(text));
        var docs = yaml.Documents.Select(d => (YamlDotNet.RepresentationModel.YamlMappingNode)d.RootNode).ToList();
        string Kind(YamlDotNet.RepresentationModel.YamlMappingNode n) => n["kind"].ToString();

        var clusterRole = docs.Single(d => Kind(d) == "ClusterRole");
        var clusterRules = ((YamlDotNet.RepresentationModel.YamlSequenceNode)clusterRole["rules"]).Cast<YamlDotNet.RepresentationModel.YamlMappingNode>().ToList();
        Assert.Equal(["endpointslices", "ingresses", "secrets", "services"], clusterRules.SelectMany(r => ((YamlDotNet.RepresentationModel.YamlSequenceNode)r["resources"]).Select(x => x.ToString())).Order());
        Assert.All(clusterRules, r => Assert.Equal(["get", "list", "watch"], ((YamlDotNet.RepresentationModel.YamlSequenceNode)r["verbs"]).Select(x => x.ToString()).Order()));

        var role = docs.Single(d => Kind(d) == "Role");
        var leaseRule = Assert.Single((YamlDotNet.RepresentationModel.YamlSequenceNode)role["rules"]);
        Assert.Equal(["create", "get", "update"], ((YamlDotNet.RepresentationModel.YamlSequenceNode)((YamlDotNet.RepresentationModel.YamlMappingNode)leaseRule)["verbs"]).Select(x => x.ToString()).Order());

        var deployment = docs.Single(d => Kind(d) == "Deployment");
        Assert.Equal("2", ((YamlDotNet.RepresentationModel.YamlMappingNode)deployment["spec"])["replicas"].ToString());
    }
}
