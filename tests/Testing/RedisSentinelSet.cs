using System.Diagnostics;

namespace Entrance.Testing;

/// <summary>
/// A real Sentinel deployment on loopback: a master, one replica and three sentinels (redis-server --sentinel) watching
/// service <see cref="ServiceName"/> with a 1 s down-after, so a killed master is replaced within seconds. With
/// <see cref="SentinelAuth"/> the data nodes require a password (<c>requirepass</c>, and <c>masterauth</c> so either can
/// follow the other) which the sentinels are given (<c>sentinel auth-pass</c>), and the sentinels require their own
/// password, for the default user or an ACL user (which they also use among themselves: <c>sentinel-user/-pass</c>).
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    public const string ServiceName = "entrance";

    private readonly List<Process> _sentinels = [];
    private readonly List<System.Collections.Concurrent.ConcurrentQueue<string>> _logs = [];
    private readonly string _dir;

    private RedisSentinelSet(RedisServer master, RedisServer replica, string dir, SentinelAuth? auth)
    {
        Master = master;
        Replica = replica;
        _dir = dir;
        Auth = auth;
    }

    public SentinelAuth? Auth { get; }

    /// <summary>redis-cli arguments that authenticate to a data node (empty without <see cref="Auth"/>), before the command.</summary>
    public string[] DataCliAuth => Auth is null ? [] : ["-a", Auth.DataPassword, "--no-auth-warning"];

    public RedisServer Master { get; }

    public RedisServer Replica { get; }

    public List<int> SentinelPorts { get; } = [];

    /// <summary>The sentinels and the service name, without credentials.</summary>
    public string Endpoints => string.Join(",", SentinelPorts.Select(p => $"127.0.0.1:{p}")) + $",serviceName={ServiceName}";

    /// <summary>The configuration a program is given: the sentinels, the service name and, with <see cref="Auth"/>, both passwords.</summary>
    public string Configuration => Auth is null ? Endpoints : Endpoints + Auth.Settings;

    public static async Task<RedisSentinelSet> StartAsync(SentinelAuth? auth = null)
    {
        string[] data = auth is null ? [] : ["--requirepass", auth.DataPassword, "--masterauth", auth.DataPassword];
        var master = await RedisServer.StartStockAsync(data);
        var replica = await RedisServer.StartStockAsync([.. data, "--replicaof", "127.0.0.1", master.Port.ToString()]);
        var set = new RedisSentinelSet(master, replica, Directory.CreateTempSubdirectory("entrance-sentinel-").FullName, auth);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await set.StartSentinelAsync();
            }

            // Ready when the replica is in sync and every sentinel knows the replica and the two other sentinels.
            await Eventually.TrueAsync(async () => (await replica.CliAsync([.. set.DataCliAuth, "INFO", "replication"])).Contains("master_link_status:up", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), "replica in sync");
            foreach (var port in set.SentinelPorts)
            {
                await Eventually.TrueAsync(async () =>
                {
                    var master = await SentinelAsync(port, [.. auth?.SentinelCliAuth ?? [], "SENTINEL", "master", ServiceName]);
                    return master.Contains("num-other-sentinels\n2", StringComparison.Ordinal) && master.Contains("num-slaves\n1", StringComparison.Ordinal);
                }, TimeSpan.FromSeconds(60), $"sentinel {port} sees the replica and the other sentinels");
            }
        }
        catch (Exception ex)
        {
            var logs = set.Logs;
            await set.DisposeAsync();
            throw new InvalidOperationException($"{ex.Message}; the sentinels' logs:\n{logs}", ex);
        }

        return set;
    }

    /// <summary>
    /// Starts one sentinel on a free port, again on another port when it cannot listen (a client socket elsewhere in
    /// the test run may take the port between <see cref="FreePort.Next"/> and the bind).
    /// </summary>
    private async Task StartSentinelAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Next();
            var conf = Path.Combine(_dir, $"sentinel-{port}.conf");
            await File.WriteAllTextAsync(conf, $"""
                port {port}
                bind 127.0.0.1
                dir {_dir}
                sentinel monitor {ServiceName} 127.0.0.1 {Master.Port} 2
                sentinel down-after-milliseconds {ServiceName} 1000
                sentinel failover-timeout {ServiceName} 5000
                sentinel parallel-syncs {ServiceName} 1
                {Auth?.SentinelConfig(ServiceName)}
                """);
            var psi = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(conf);
            psi.ArgumentList.Add("--sentinel");
            var process = Process.Start(psi)!;
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue($"[{port}] {e.Data}"); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue($"[{port}] {e.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var watch = Stopwatch.StartNew();
            while (!process.HasExited && watch.Elapsed < TimeSpan.FromSeconds(10)
                && await SentinelAsync(port, [.. Auth?.SentinelCliAuth ?? [], "PING"]) != "PONG")
            {
                await Task.Delay(20);
            }

            if (!process.HasExited && watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                _sentinels.Add(process);
                _logs.Add(log);
                SentinelPorts.Add(port);
                return;
            }

            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
            if (attempt == 4)
            {
                throw new InvalidOperationException($"a sentinel did not start: {string.Join('\n', log)}");
            }
        }
    }

    private string Logs => string.Join('\n', _logs.SelectMany(l => l).TakeLast(200));

    /// <summary>Runs <c>ACL SETUSER</c> with <paramref name="setUser"/> (the whole command) on every sentinel, as the operator.</summary>
    public async Task AddSentinelUserAsync(string[] setUser)
    {
        foreach (var port in SentinelPorts)
        {
            var reply = await SentinelAsync(port, [.. Auth?.SentinelCliAuth ?? [], .. setUser]);
            if (reply != "OK")
            {
                throw new InvalidOperationException($"sentinel {port} refused {string.Join(' ', setUser.Take(3))}: {reply}");
            }
        }
    }

    /// <summary>What the sentinels' ACL LOG says they denied (the command or channel of each entry), all sentinels together.</summary>
    public async Task<IReadOnlyList<string>> AclDenialsAsync()
    {
        var denied = new List<string>();
        foreach (var port in SentinelPorts)
        {
            var lines = (await SentinelAsync(port, [.. Auth?.SentinelCliAuth ?? [], "ACL", "LOG"])).Split('\n');
            for (var i = 0; i + 1 < lines.Length; i++)
            {
                if (lines[i] == "object")
                {
                    denied.Add($"{port}: {lines[i + 1]}");
                }
            }
        }

        return denied;
    }

    /// <summary>The master's port as the sentinels announce it.</summary>
    public async Task<int> MasterPortAsync()
    {
        var reply = await SentinelAsync(SentinelPorts[0], [.. Auth?.SentinelCliAuth ?? [], "SENTINEL", "get-master-addr-by-name", ServiceName]);
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

/// <summary>Passwords for a <see cref="RedisSentinelSet"/>: the data nodes' and the sentinels' (default user, or <paramref name="SentinelUser"/>).</summary>
public sealed record SentinelAuth(string DataPassword, string SentinelPassword, string? SentinelUser = null)
{
    /// <summary>What a program's configuration adds: <c>password=</c> for the data nodes, <c>sentinelUser/Password=</c> for the sentinels.</summary>
    public string Settings => $",password={DataPassword}" + (SentinelUser is null ? string.Empty : $",sentinelUser={SentinelUser}") + $",sentinelPassword={SentinelPassword}";

    /// <summary>redis-cli arguments for a sentinel.</summary>
    public string[] SentinelCliAuth => SentinelUser is null
        ? ["-a", SentinelPassword, "--no-auth-warning"]
        : ["--user", SentinelUser, "--pass", SentinelPassword, "--no-auth-warning"];

    /// <summary>Sentinel configuration lines: the master's password, and the sentinels' own (also used between sentinels).</summary>
    public string SentinelConfig(string service) => SentinelUser is null
        ? $"sentinel auth-pass {service} {DataPassword}\nrequirepass {SentinelPassword}"
        : $"sentinel auth-pass {service} {DataPassword}\nuser default off\nuser {SentinelUser} on >{SentinelPassword} allchannels +@all\n" +
          $"sentinel sentinel-user {SentinelUser}\nsentinel sentinel-pass {SentinelPassword}";
}
