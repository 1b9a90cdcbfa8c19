using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

/// <summary>
/// The store on a real three-master Redis Cluster: routes whose keys land on different nodes resolve as on one node,
/// and every write the CLI and the Syncer make runs (one slot per host) and is found again by the scans.
/// </summary>
public sealed class ClusterStoreTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;

    private RedisCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        await Cluster.FlushAllAsync();

        _connection = await RedisConnection.ConnectAsync(Cluster.Configuration, null, TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    /// <summary>One host name per master: <c>{prefix}N.test</c> whose tagged keys that master serves.</summary>
    private IReadOnlyList<string> HostPerNode(string prefix)
    {
        var byNode = new Dictionary<int, string>();
        for (var i = 0; byNode.Count < Cluster.Nodes.Count && i < 1000; i++)
        {
            var host = $"{prefix}{i}.test";
            byNode.TryAdd(Cluster.NodeOf($"entrance:backends:{{{host}}}").Port, host);
        }

        Assert.Equal(Cluster.Nodes.Count, byNode.Count);
        return [.. byNode.Values];
    }

    [Fact]
    public void Connection_Cluster_KeysCarryHostHashTags()
    {
        Assert.True(_connection.Keys.HashTags);
        Assert.Equal("entrance:backends:{app.test}/api", _connection.Keys.Backends("app.test/api"));
        Assert.Equal("entrance:owners:{app.test}", _connection.Keys.OwnersOf("app.test/api"));
        Assert.Equal("frontend:app.test", _connection.Keys.Frontend("app.test"));
        Assert.Equal("app.test/api", _connection.Keys.RouteNameOf("entrance:paths:{app.test}/api"));
    }

    [Fact]
    public async Task KeyspaceEventsEnabledAsync_OneMasterWithout_ReportsOff()
    {
        var store = new RedisRouteStore(_connection);
        Assert.True(await store.KeyspaceEventsEnabledAsync());

        // Events are node-local: any one master that emits none leaves the writes to its slots unannounced.
        foreach (var node in Cluster.Nodes)
        {
            var flags = (await node.CliAsync("CONFIG", "GET", "notify-keyspace-events")).Split('\n')[^1];
            await node.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
            try
            {
                Assert.False(await store.KeyspaceEventsEnabledAsync());
            }
            finally
            {
                await node.CliAsync("CONFIG", "SET", "notify-keyspace-events", flags);
            }
        }

        Assert.True(await store.KeyspaceEventsEnabledAsync());
    }

    [Fact]
    public async Task RefreshTopologyAsync_MastersUnchanged_FalseAndNoChangeAnnounced()
    {
        await using var connection = RedisConnection.Connect(Cluster.Configuration, null, TimeSpan.FromSeconds(5));
        Assert.True(connection.Keys.HashTags);
        var store = new RedisRouteStore(connection);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<RouteChange>();
        await store.SubscribeAsync(changes.Enqueue);

        // Asked every 15 s by each router: asking must not look like a reconnect (that would refresh every route).
        for (var i = 0; i < 3; i++)
        {
            Assert.False(await store.RefreshTopologyAsync());
        }

        await Cluster.CliAsync("PUBLISH", "entrance:changed", "marker.test");
        await Eventually.TrueAsync(() => Task.FromResult(changes.Any(c => c.RouteName == "marker.test")), TimeSpan.FromSeconds(10), "marker published");
        Assert.Equal(["marker.test"], changes.Select(c => $"{c.RouteName ?? c.Kind.ToString()}"));
    }

    [Fact]
    public async Task ResolveAsync_ExactWildcardHipacheOnDifferentNodes_ResolveAsOnOneNode()
    {
        var writer = new RouteWriter(_connection);
        var store = new RedisRouteStore(_connection);
        var exact = HostPerNode("exact");
        foreach (var host in exact)
        {
            await writer.ApplyAsync(new RouteSpec(host, [$"http://127.0.0.1:1/{host}"], new Dictionary<string, string> { ["lb"] = "roundrobin" }), "apply", OwnershipMode.Claim);
        }

        await writer.ApplyAsync(new RouteSpec("*.wild.test", ["http://127.0.0.1:1/wild"], new Dictionary<string, string>()), "apply", OwnershipMode.Claim);
        await Cluster.CliAsync("RPUSH", "frontend:old.test", "old", "http://127.0.0.1:1/old", "http://127.0.0.1:2/old");
        await Cluster.CliAsync("SADD", "dead:old.test", "1");
        await Cluster.CliAsync("HSET", "entrance:host:{old.test}", "lb", "random");

        Assert.True(new[] { "entrance:backends:{*.wild.test}", "frontend:old.test", "dead:old.test" }.Select(k => Cluster.NodeOf(k).Port).Distinct().Count() >= 2);
        foreach (var host in exact)
        {
            var route = await store.ResolveAsync(host);
            Assert.NotNull(route);
            Assert.Equal(RouteSchema.Native, route.Schema);
            Assert.Equal(host, route.RouteName);
            Assert.Equal([$"http://127.0.0.1:1/{host}"], route.Backends);
            Assert.Equal("roundrobin", route.Settings["lb"]);
        }

        var wild = await store.ResolveAsync("a.b.wild.test");
        Assert.Equal("*.wild.test", wild?.RouteName);
        Assert.Equal(["http://127.0.0.1:1/wild"], wild!.Backends);

        var old = await store.ResolveAsync("old.test");
        Assert.Equal(RouteSchema.Hipache, old?.Schema);
        Assert.Equal("old", old!.Identifier);
        Assert.Equal(["http://127.0.0.1:1/old", "http://127.0.0.1:2/old"], old.Backends);
        Assert.Equal("http://127.0.0.1:2/old", Assert.Single(old.Dead).Url);
        Assert.Equal("random", old.Settings["lb"]);

        Assert.Null(await store.ResolveAsync("nothing.elsewhere"));
    }

    [Fact]
    public async Task ResolveAsync_PathRoutesAndPrecedence_AsOnOneNode()
    {
        var writer = new RouteWriter(_connection);
        var store = new RedisRouteStore(_connection);
        await writer.ApplyAsync(new RouteSpec("shop.test", ["http://127.0.0.1:1/root"], new Dictionary<string, string>()), "apply", OwnershipMode.Claim);
        await writer.ApplyAsync(new RouteSpec("shop.test/api", ["http://127.0.0.1:1/api"], new Dictionary<string, string> { ["strip_prefix"] = "1" }), "apply", OwnershipMode.Claim);

        // The exact name wins over a wildcard on another node, whatever its schema: hipache here; settings only there.
        await writer.ApplyAsync(new RouteSpec("*.p.test", ["http://127.0.0.1:1/wild"], new Dictionary<string, string>()), "apply", OwnershipMode.Claim);
        await Cluster.CliAsync("RPUSH", "frontend:x.p.test", "x", "http://127.0.0.1:1/x");
        await new RouteEditor(_connection).SetSettingsAsync("y.p.test", new Dictionary<string, string> { ["hsts"] = "max-age=60" });

        var shop = await store.ResolveAsync("shop.test");
        var api = Assert.Single(shop!.Paths);
        Assert.Equal("/api", api.PathPrefix);
        Assert.Equal(["http://127.0.0.1:1/api"], api.Backends);
        Assert.Equal("entrance:backends:{shop.test}/api", api.MatchedKey);

        Assert.Equal(RouteSchema.Hipache, (await store.ResolveAsync("x.p.test"))?.Schema);
        var declared = await store.ResolveAsync("y.p.test");
        Assert.Equal(RouteSchema.Declared, declared?.Schema);
        Assert.Equal("max-age=60", declared!.Settings["hsts"]);
        Assert.Equal("*.p.test", (await store.ResolveAsync("z.p.test"))?.RouteName);
    }

    [Fact]
    public async Task Writers_EveryWriteOnCluster_AtomicPerHostAndFoundByScans()
    {
        var writer = new RouteWriter(_connection);
        var hosts = HostPerNode("w").Concat(HostPerNode("v")).ToList();
        var specs = hosts.SelectMany(h => new[]
        {
            new RouteSpec(h, ["http://127.0.0.1:1/"], new Dictionary<string, string>()) { Weights = new Dictionary<string, int> { ["http://127.0.0.1:1/"] = 5 }, Ttl = TimeSpan.FromMinutes(5) },
            new RouteSpec(h + "/api", ["http://127.0.0.1:2/"], new Dictionary<string, string>()),
        }).ToList();
        var results = await writer.ApplyManyAsync(specs, "apply", OwnershipMode.Claim);
        Assert.All(results, r => Assert.Null(r.Conflict));

        var reader = new RouteReader(_connection);
        var names = await reader.ScanRouteNamesAsync();
        Assert.Equal(specs.Select(s => s.Name).Order(StringComparer.Ordinal), names);
        Assert.Equal(hosts.Where(h => h.StartsWith('w')).Order(StringComparer.Ordinal), await reader.ScanRouteNamesAsync("w*.test"));
        Assert.All(await reader.ReadAsync(names), r => Assert.Equal("apply", r.Owner));
        Assert.Equal(specs.Count, (await writer.OwnersAsync()).Count);
        Assert.Equal("apply", (await writer.ApplyAsync(specs[0], "syncer", OwnershipMode.OwnedOnly)).Conflict);

        var editor = new RouteEditor(_connection);
        Assert.Equal(["http://127.0.0.1:3/"], (await editor.AddBackendsAsync(hosts[0] + "/api", ["http://127.0.0.1:3/"], weight: 2)).Added);
        Assert.Equal(["http://127.0.0.1:2/"], (await editor.RemoveBackendsAsync(hosts[0] + "/api", ["http://127.0.0.1:2/"])).Removed);
        Assert.Equal(1, await editor.SetSettingsAsync(hosts[0], new Dictionary<string, string> { ["lb"] = "random" }));
        Assert.Equal(0, await new DeadMarks(_connection).ClearAsync(hosts[0]));
        Assert.Equal(RemoveOutcome.Removed, (await writer.RemoveAsync(hosts[1], "apply", includeHipache: true)).Outcome);
        Assert.Equal(RemoveOutcome.NotFound, (await writer.RemoveAsync(hosts[1], null, includeHipache: true)).Outcome);
        Assert.Empty(await new RegistrationExpiry(_connection).RemoveExpiredAsync(() => true));

        // hipache frontends keep their names: edits reach them apart from the native keys.
        await Cluster.CliAsync("RPUSH", "frontend:h.test", "h", "http://127.0.0.1:1/");
        Assert.Equal(RouteSchema.Hipache, (await editor.AddBackendsAsync("h.test", ["http://127.0.0.1:4/"])).Schema);
        Assert.Equal("h\nhttp://127.0.0.1:1/\nhttp://127.0.0.1:4/", await Cluster.CliAsync("LRANGE", "frontend:h.test", "0", "-1"));
        Assert.Equal(1, (await editor.RemoveBackendsAsync("h.test", ["http://127.0.0.1:1/"])).HipacheLeft);
    }

    [Fact]
    public async Task TcpAndCertificateWriters_OnCluster_WriteListAndOwn()
    {
        var tcp = new TcpRouteWriter(_connection);
        foreach (var port in new[] { 7001, 7002, 7003, 7004 })
        {
            Assert.Null((await tcp.ApplyAsync(new TcpRouteSpec(port, ["127.0.0.1:9000"], new Dictionary<string, string>()), "apply", OwnershipMode.Claim)).Conflict);
        }

        await tcp.AddAsync(7001, ["127.0.0.1:9001"], new Dictionary<string, string>());
        Assert.Equal([7001, 7002, 7003, 7004], await tcp.PortsAsync());
        Assert.Equal(4, (await tcp.OwnersAsync()).Count);
        Assert.Equal("apply", (await tcp.ShowAsync(7001))?.Owner);
        Assert.Equal(2, (await new TcpRouteStore(_connection).ReadAsync(7001))?.Backends.Count);
        Assert.Equal(RemoveOutcome.Removed, (await tcp.RemoveAsync(7004, "apply")).Outcome);

        var certs = new CertificateWriter(_connection);
        foreach (var name in new[] { "a.test", "*.b.test", "c.test" })
        {
            var (chain, key) = TestCertificates.SelfSigned(name);
            Assert.Equal(CertificateWriteOutcome.Written, (await certs.PutAsync(name, chain, key, "cli", CertificateWriteMode.Claim)).Outcome);
        }

        Assert.Equal(["*.b.test", "a.test", "c.test"], await certs.ListNamesAsync());
        Assert.Equal("cli", (await certs.FindForHostAsync("x.b.test"))?.Owner);
        Assert.Equal(3, (await certs.OwnersAsync()).Count);
        Assert.Equal(RemoveOutcome.Removed, (await certs.RemoveAsync("c.test", "cli")).Outcome);
        Assert.NotNull(await new CertificateReader(_connection).FindAsync("x.b.test"));
    }
}
