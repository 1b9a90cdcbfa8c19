using System.Net;
using Entrance.Core.Store;
using Entrance.Router.Invalidation;
using Entrance.Testing;
using Microsoft.Extensions.Hosting;

namespace Entrance.Router.Tests.Store;

/// <summary>
/// A router on a real three-master Redis Cluster: routes whose keys live on different masters are served as on one
/// node, and changes made on each master (keyspace events here) reach the router.
/// </summary>
public sealed class ClusterRouterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private TestBackend[] _backends = null!;

    private RedisCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        await Cluster.FlushAllAsync();

        _backends = await TestBackend.StartManyAsync("one", "two", "three", "four");
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Proxy_ExactWildcardHipacheAndPathRoutesOnDifferentNodes_Served()
    {
        var hosts = ClusterHosts.PerNode(Cluster, "exact");
        for (var i = 0; i < hosts.Count; i++)
        {
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{hosts[i]}}}", _backends[i].Url);
        }

        await Cluster.CliAsync("SADD", "entrance:backends:{*.wild.test}", _backends[0].Url);
        await Cluster.CliAsync("RPUSH", "frontend:old.test", "old", _backends[1].Url);
        await Cluster.CliAsync("SADD", "entrance:backends:{shop.test}", _backends[2].Url);
        await Cluster.CliAsync("SADD", "entrance:backends:{shop.test}/api", _backends[3].Url);
        await Cluster.CliAsync("SADD", "entrance:paths:{shop.test}", "/api");
        await using var router = await RouterHost.StartAsync(Cluster.Configuration);

        for (var i = 0; i < hosts.Count; i++)
        {
            Assert.Equal(_backends[i].Name, await router.GetBodyAsync(hosts[i]));
        }

        Assert.Equal("one", await router.GetBodyAsync("a.wild.test"));
        Assert.Equal("two", await router.GetBodyAsync("old.test"));
        Assert.Equal("three", await router.GetBodyAsync("shop.test", "/"));
        Assert.Equal("four", await router.GetBodyAsync("shop.test", "/api/x"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await router.GetAsync("nowhere.test")).StatusCode);
    }

    [Fact]
    public async Task Invalidation_KeyspaceEventsOnEachMaster_ReachRouter()
    {
        var hosts = ClusterHosts.PerNode(Cluster, "ks");
        foreach (var host in hosts)
        {
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{host}}}", _backends[0].Url);
        }

        await using var router = await RouterHost.StartAsync(Cluster.Configuration, "Entrance:CacheTtl=00:00:30", "Entrance:ClientTracking=false");
        await ClusterHosts.WaitForPatternsOnEveryNodeAsync(Cluster);
        foreach (var host in hosts)
        {
            Assert.Equal("one", await router.GetBodyAsync(host));
        }

        // Only keyspace events can explain a switch well under the 30 s TTL: no PUBLISH, no tracking.
        foreach (var host in hosts)
        {
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{host}}}", _backends[1].Url);
            await Cluster.CliAsync("SREM", $"entrance:backends:{{{host}}}", _backends[0].Url);
        }

        foreach (var host in hosts)
        {
            await Eventually.TrueAsync(async () => await router.GetBodyAsync(host) == "two", TimeSpan.FromSeconds(5), $"keyspace event for {host} ({Cluster.NodeOf($"entrance:backends:{{{host}}}").Port})");
        }
    }
}

/// <summary>
/// A router on a cluster whose nodes have no keyspace events (as a stock or managed Redis): raw writes on each master
/// reach it by CLIENT TRACKING registered on every master, and <c>PUBLISH entrance:changed</c> from any node reaches it.
/// </summary>
public sealed class ClusterTrackingTests(ClusterTrackingTests.QuietCluster fixture) : IClassFixture<ClusterTrackingTests.QuietCluster>, IAsyncLifetime
{
    private TestBackend[] _backends = null!;

    private RedisCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        await Cluster.FlushAllAsync();

        _backends = await TestBackend.StartManyAsync("old", "new");
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Invalidation_RawSaddOnEachMaster_ReachesRouterByTracking()
    {
        var hosts = ClusterHosts.PerNode(Cluster, "tr");
        foreach (var host in hosts)
        {
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{host}}}", _backends[0].Url);
        }

        await using var router = await RouterHost.StartAsync(Cluster.Configuration, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00");
        await Eventually.TrueAsync(() => Task.FromResult(Listener(router).Tracking), TimeSpan.FromSeconds(15), "CLIENT TRACKING registered");
        foreach (var node in Cluster.Nodes)
        {
            Assert.Contains("flags=tB", await node.CliAsync("CLIENT", "LIST"), StringComparison.Ordinal);
        }

        foreach (var host in hosts)
        {
            Assert.Equal("old", await router.GetBodyAsync(host));
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{host}}}", _backends[1].Url);
            await Cluster.CliAsync("SREM", $"entrance:backends:{{{host}}}", _backends[0].Url);
        }

        foreach (var host in hosts)
        {
            await Eventually.TrueAsync(async () => await router.GetBodyAsync(host) == "new", TimeSpan.FromSeconds(5), $"tracking invalidation for {host}");
        }
    }

    [Fact]
    public async Task WildcardIndex_WildcardAddedRawOnCluster_TrustedIndexLearnsItAndServes()
    {
        // The scanned one lives on the last master, so a scan of the first endpoint alone would miss it.
        var wildcards = ClusterHosts.PerNode(Cluster, "wild").Select(h => "*." + h).Reverse().ToList();
        await Cluster.CliAsync("SADD", $"entrance:backends:{{{wildcards[0]}}}", _backends[0].Url);

        await using var router = await RouterHost.StartAsync(Cluster.Configuration, "Entrance:CacheTtl=00:00:30", "Entrance:NotifiedCacheTtl=00:01:00");
        var index = router.Service<KnownRouteNames>();
        await Eventually.TrueAsync(() => Task.FromResult(index.Trusted), TimeSpan.FromSeconds(20), "wildcard index trusted");

        // The scan over every master found the tagged wildcard key; the others are not probed until they exist.
        Assert.Contains(wildcards[0], index.Candidates("a" + wildcards[0][1..]));
        Assert.Equal("old", await router.GetBodyAsync("a" + wildcards[0][1..]));
        foreach (var wildcard in wildcards.Skip(1))
        {
            var host = "a" + wildcard[1..];
            Assert.Equal(HttpStatusCode.NotFound, (await router.GetAsync(host)).StatusCode);
            Assert.DoesNotContain(wildcard, index.Candidates(host));
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{wildcard}}}", _backends[1].Url);
        }

        foreach (var wildcard in wildcards.Skip(1))
        {
            var host = "a" + wildcard[1..];
            await Eventually.TrueAsync(async () => await router.GetBodyAsync(host) == "new", TimeSpan.FromSeconds(5), $"raw wildcard {wildcard} served");
        }

        Assert.True(index.Trusted);
    }

    [Fact]
    public async Task Invalidation_PublishFromEachMaster_ReachesRouter()
    {
        var hosts = ClusterHosts.PerNode(Cluster, "pub");
        foreach (var host in hosts)
        {
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{host}}}", _backends[0].Url);
        }

        await using var router = await RouterHost.StartAsync(Cluster.Configuration, "Entrance:CacheTtl=00:00:30", "Entrance:ClientTracking=false");
        await Eventually.TrueAsync(async () => (await Cluster.Nodes[0].CliAsync("PUBSUB", "NUMSUB", "entrance:changed")).EndsWith("\n1", StringComparison.Ordinal)
            || await AnyNodeSubscribedAsync(), TimeSpan.FromSeconds(15), "router subscribed to entrance:changed");
        // Subscription connections to the other masters open as the keyspace channels are subscribed on each; one
        // opening after the first answer is cached counts as a resubscription and marks every answer stale.
        await ClusterHosts.WaitForPatternsOnEveryNodeAsync(Cluster);
        for (var i = 0; i < hosts.Count; i++)
        {
            Assert.Equal("old", await router.GetBodyAsync(hosts[i]));
            await Cluster.CliAsync("SADD", $"entrance:backends:{{{hosts[i]}}}", _backends[1].Url);
            await Cluster.CliAsync("SREM", $"entrance:backends:{{{hosts[i]}}}", _backends[0].Url);
            Assert.Equal("old", await router.GetBodyAsync(hosts[i])); // cached: no keyspace events, no tracking
            await Cluster.Nodes[i].CliAsync("PUBLISH", "entrance:changed", hosts[i]);
        }

        foreach (var host in hosts)
        {
            await Eventually.TrueAsync(async () => await router.GetBodyAsync(host) == "new", TimeSpan.FromSeconds(5), $"PUBLISH for {host}");
        }
    }

    private async Task<bool> AnyNodeSubscribedAsync()
    {
        foreach (var node in Cluster.Nodes)
        {
            if ((await node.CliAsync("PUBSUB", "NUMSUB", "entrance:changed")).EndsWith("\n1", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static InvalidationListener Listener(RouterHost router) => router.Invalidation;

    /// <summary>A cluster whose nodes emit no keyspace events.</summary>
    public sealed class QuietCluster : IAsyncLifetime
    {
        public RedisCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync("--notify-keyspace-events", "");

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }
}

internal static class ClusterHosts
{
    /// <summary>One host name per master: <c>{prefix}N.test</c> whose tagged keys that master serves.</summary>
    public static IReadOnlyList<string> PerNode(RedisCluster cluster, string prefix)
    {
        var byNode = new SortedDictionary<int, string>();
        for (var i = 0; byNode.Count < cluster.Nodes.Count && i < 1000; i++)
        {
            var host = $"{prefix}{i}.test";
            byNode.TryAdd(cluster.Nodes.ToList().IndexOf(cluster.NodeOf($"entrance:backends:{{{host}}}")), host);
        }

        Assert.Equal(cluster.Nodes.Count, byNode.Count);
        return [.. byNode.Values];
    }

    /// <summary>Waits until every node has the router's keyspace pattern subscriptions (events are node-local).</summary>
    public static Task WaitForPatternsOnEveryNodeAsync(RedisCluster cluster) =>
        Eventually.TrueAsync(async () =>
        {
            foreach (var node in cluster.Nodes)
            {
                if (!int.TryParse(await node.CliAsync("PUBSUB", "NUMPAT"), out var n) || n == 0)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(15), "keyspace patterns subscribed on every node");
}
