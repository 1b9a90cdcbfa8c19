using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Sync;

/// <summary>The whole Syncer against an API server that only accepts the token an exec credential plugin prints.</summary>
public class ExecCredentialTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Sync_KubeconfigUserWithExecPlugin_ListsWatchesAndWritesRoutes()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await using var api = await TestApiServer.StartAsync();
        api.RequiredToken = "eks-style-token";
        api.Upsert(ApiKind.Services, Service("shop", "web", "exec.example.com"));
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        var kubeconfig = TestKubeconfig.WriteExec(api.Url, "eks-style-token");

        await using var syncer = await SyncerHarness.StartAsync(api, redis.Server, "syncer-a", "--Kubernetes:Kubeconfig", kubeconfig);
        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("SMEMBERS", "entrance:backends:exec.example.com") == "http://10.0.0.1:80",
            TimeSpan.FromSeconds(20), "first sync through the exec plugin's token");

        // The watch is authenticated too: a change arrives as an event, not only through the first list.
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.2")));
        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("SMEMBERS", "entrance:backends:exec.example.com") == "http://10.0.0.2:80",
            TimeSpan.FromSeconds(20), "change delivered by the watch");
        Assert.True(syncer.Runtime.Leadership.CanWrite, "the lease calls are authenticated by the plugin's token as well");
        Assert.Equal(0, syncer.Runtime.Engine.InformerStats.Sum(s => s.Errors));
    }
}
