using System.Diagnostics;

namespace Entrance.Testing;

/// <summary>
/// A real Sentinel deployment on loopback: a master, one replica and three sentinels (redis-server --sentinel) watching
/// service <see cref="ServiceName"/> with a 1 s down-after, so a killed master is replaced within seconds.
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    public const string ServiceName = "entrance";

    private readonly List<Process> _sentinels = [];
    private readonly string _dir;

    private RedisSentinelSet(RedisServer master, RedisServer replica, string dir)
    {
        Master = master;
        Replica = replica;
        _dir = dir;
    }

    public RedisServer Master { get; }

    public RedisServer Replica { get; }

    public List<int> SentinelPorts { get; } = [];

    /// <summary>The configuration a program is given: the sentinels and the service name.</summary>
    public string Configuration => string.Join(",", SentinelPorts.Select(p => $"127.0.0.1:{p}")) + $",serviceName={ServiceName}";

    public static async Task<RedisSentinelSet> StartAsync()
    {
        var master = await RedisServer.StartStockAsync();
        var replica = await RedisServer.StartStockAsync("--replicaof", "127.0.0.1", master.Port.ToString());
        var set = new RedisSentinelSet(master, replica, Directory.CreateTempSubdirectory("entrance-sentinel-").FullName);
        for (var i = 0; i < 3; i++)
        {
            var port = FreePort.Next();
            var conf = Path.Combine(set._dir, $"sentinel-{port}.conf");
            await File.WriteAllTextAsync(conf, $"""
                port {port}
                bind 127.0.0.1
                dir {set._dir}
                sentinel monitor {ServiceName} 127.0.0.1 {master.Port} 2
                sentinel down-after-milliseconds {ServiceName} 1000
                sentinel failover-timeout {ServiceName} 5000
                sentinel parallel-syncs {ServiceName} 1
                """);
            var psi = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(conf);
            psi.ArgumentList.Add("--sentinel");
            var process = Process.Start(psi)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            set._sentinels.Add(process);
            set.SentinelPorts.Add(port);
        }

        // Ready when the replica is in sync and every sentinel knows the replica and the two other sentinels.
        await Eventually.TrueAsync(async () => (await replica.CliAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "replica in sync");
        foreach (var port in set.SentinelPorts)
        {
            await Eventually.TrueAsync(async () =>
            {
                var master = await SentinelAsync(port, "SENTINEL", "master", ServiceName);
                return master.Contains("num-other-sentinels\n2", StringComparison.Ordinal) && master.Contains("num-slaves\n1", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), $"sentinel {port} sees the replica and the other sentinels");
        }

        return set;
    }

    /// <summary>The master's port as the sentinels announce it.</summary>
    public async Task<int> MasterPortAsync()
    {
        var reply = await SentinelAsync(SentinelPorts[0], "SENTINEL", "get-master-addr-by-name", ServiceName);
        var lines = reply.Split('\n');
        return lines.Length >= 2 && int.TryParse(lines[1], out var port) ? port : 0;
    }

    public static async Task<string> SentinelAsync(int port, params string[] args)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-h", "127.0.0.1", "-p", port.ToString(), .. args])
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _sentinels)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        await Master.DisposeAsync();
        await Replica.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
