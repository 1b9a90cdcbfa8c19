using System.Diagnostics;
using Entrance.Core.Store;
using StackExchange.Redis;

namespace Entrance.Testing;

/// <summary>
/// A real Redis Cluster of three masters (no replicas) on free loopback ports: three <c>redis-server --cluster-enabled
/// yes</c> from the project's redis.conf (keyspace events on), joined by <c>redis-cli --cluster create</c>, ready once every
/// node's <c>CLUSTER INFO</c> says <c>cluster_state:ok</c>. Each node's data directory holds its cluster config file and
/// goes with the node on dispose.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private ConnectionMultiplexer? _client;

    private readonly List<RedisServer> _nodes;
    private readonly string[] _extraArgs;

    private RedisCluster(RedisServer[] nodes, string[] extraArgs)
    {
        _nodes = [.. nodes];
        _extraArgs = extraArgs;
    }

    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>A StackExchange.Redis configuration naming every node.</summary>
    public string Configuration => string.Join(",", Nodes.Select(n => n.Configuration));

    /// <summary>A cluster-aware client owned by the fixture, for arranging data.</summary>
    public ConnectionMultiplexer Client => _client ??= ConnectionMultiplexer.Connect(RedisConnection.ParseOptions(Configuration, TimeSpan.FromSeconds(5)));

    public IDatabase Db => Client.GetDatabase();

    public static async Task<RedisCluster> StartAsync(params string[] extraArgs)
    {
        var starts = Enumerable.Range(0, 3).Select(_ => StartNodeAsync(extraArgs)).ToArray();
        RedisServer[] nodes;
        try
        {
            nodes = await Task.WhenAll(starts);
        }
        catch
        {
            foreach (var started in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }

        var cluster = new RedisCluster(nodes, extraArgs);
        try
        {
            var create = await RunAsync("redis-cli", ["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", "0", "--cluster-yes"]);
            if (!create.Contains("All 16384 slots covered", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed: {create}");
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var node in nodes)
            {
                while (!(await node.CliAsync("cluster", "info")).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"cluster node {node.Port} did not reach cluster_state:ok");
                    }

                    await Task.Delay(50);
                }
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>One node; again with another bus port when that port was taken (RedisServer retries only its own port).</summary>
    private static async Task<RedisServer> StartNodeAsync(string[] extraArgs)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await RedisServer.StartAsync(
                [
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", FreePort.Next().ToString(),
                    "--cluster-node-timeout", "5000", "--appendonly", "no", "--save", "", .. extraArgs,
                ]);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }

    /// <summary>
    /// Starts one more node with the same settings and joins it as a master without slots (<c>redis-cli --cluster
    /// add-node</c>), as an operator growing the cluster does; ready once every node lists it.
    /// </summary>
    public async Task<RedisServer> AddMasterAsync()
    {
        var node = await StartNodeAsync(_extraArgs);
        _nodes.Add(node);
        var added = await RunAsync("redis-cli", ["--cluster", "add-node", node.Configuration, Nodes[0].Configuration]);
        if (!added.Contains("New node added correctly", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli --cluster add-node failed: {added}");
        }

        var id = await node.CliAsync("CLUSTER", "MYID");
        await Eventually.TrueAsync(async () =>
        {
            foreach (var n in Nodes)
            {
                if (!(await n.CliAsync("CLUSTER", "NODES")).Contains(id, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(30), $"every node knows the new master {node.Port}");
        await Eventually.TrueAsync(async () => (await node.CliAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), $"the new master {node.Port} sees the cluster ok");
        return node;
    }

    /// <summary>
    /// Moves <paramref name="key"/>'s slot, with the keys in it, to <paramref name="to"/> the way resharding does
    /// (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE on every node).
    /// </summary>
    public async Task MoveSlotAsync(string key, RedisServer to)
    {
        var from = NodeOf(key);
        var slot = await to.CliAsync("CLUSTER", "KEYSLOT", key);
        var fromId = await from.CliAsync("CLUSTER", "MYID");
        var toId = await to.CliAsync("CLUSTER", "MYID");
        await to.CliAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
        await from.CliAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
        var keys = (await from.CliAsync("CLUSTER", "GETKEYSINSLOT", slot, "1000")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var migrated = keys.Length == 0 ? "OK" : await from.CliAsync(["MIGRATE", "127.0.0.1", to.Port.ToString(), "", "0", "5000", "KEYS", .. keys]);
        if (migrated != "OK")
        {
            throw new InvalidOperationException($"MIGRATE of slot {slot} failed: {migrated}");
        }

        foreach (var node in Nodes)
        {
            var set = await node.CliAsync("CLUSTER", "SETSLOT", slot, "NODE", toId);
            if (set != "OK")
            {
                throw new InvalidOperationException($"CLUSTER SETSLOT {slot} NODE on {node.Port} failed: {set}");
            }
        }

        await Eventually.TrueAsync(async () => (await to.CliAsync("CLUSTER", "COUNTKEYSINSLOT", slot)) == keys.Length.ToString(), TimeSpan.FromSeconds(10), $"slot {slot} moved");
    }

    /// <summary>The node that serves <paramref name="key"/>'s slot.</summary>
    public RedisServer NodeOf(string key)
    {
        var endpoint = Client.GetDatabase().IdentifyEndpoint(key) ?? throw new InvalidOperationException($"no node for {key}");
        return Nodes.Single(n => endpoint.ToString()!.EndsWith(":" + n.Port, StringComparison.Ordinal));
    }

    /// <summary>Empties every master (FLUSHALL is node-local on a cluster).</summary>
    public async Task FlushAllAsync()
    {
        foreach (var node in Nodes)
        {
            await node.CliAsync("FLUSHALL");
        }
    }

    /// <summary>Runs redis-cli in cluster mode (<c>-c</c>, follows MOVED) against the first node, as a person would.</summary>
    public Task<string> CliAsync(params string[] args) =>
        RunAsync("redis-cli", ["-c", "-h", "127.0.0.1", "-p", Nodes[0].Port.ToString(), .. args]);

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }

    private static async Task<string> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return ((await output) + (await error)).Trim();
    }
}

/// <summary>xunit class fixture: one three-master cluster per test class.</summary>
public sealed class RedisClusterFixture : Xunit.IAsyncLifetime
{
    public RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
