using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Entrance.Core.Store;
using StackExchange.Redis;

namespace Entrance.Testing;

/// <summary>
/// A real redis-server on a free loopback port, started from the project's redis/redis.conf (so the tests check that
/// file too), with its own data directory. It can be killed (SIGKILL) and restarted on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dataDir;
    private readonly string[] _extraArgs;
    private readonly bool _stock;
    private Process? _process;
    private ConnectionMultiplexer? _client;

    private RedisServer(int port, string dataDir, string[] extraArgs, bool stock = false)
    {
        Port = port;
        _dataDir = dataDir;
        _extraArgs = extraArgs;
        _stock = stock;
    }

    /// <summary>The data directory, for files a test gives the server (TLS certificates, ACL files).</summary>
    public string DataDir => _dataDir;

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public static Task<RedisServer> StartAsync(params string[] extraArgs) => StartAsync(stock: false, extraArgs);

    /// <summary>
    /// A redis-server as a package installs it: no configuration file (so no <c>notify-keyspace-events</c>), only
    /// the port, directory and <paramref name="extraArgs"/>.
    /// </summary>
    public static Task<RedisServer> StartStockAsync(params string[] extraArgs) => StartAsync(stock: true, extraArgs);

    private static async Task<RedisServer> StartAsync(bool stock, string[] extraArgs)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var dir = Directory.CreateTempSubdirectory("entrance-redis-").FullName;
            var server = new RedisServer(FreePort.Next(), dir, extraArgs, stock);
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (Exception ex)
            {
                last = ex;
                await server.DisposeAsync();
            }
        }

        throw new InvalidOperationException("redis-server did not start", last);
    }

    /// <summary>A client connection owned by the fixture, for arranging data.</summary>
    public IDatabase Db => Client.GetDatabase();

    public ConnectionMultiplexer Client => _client ??= ConnectionMultiplexer.Connect(RedisConnection.ParseOptions(Configuration, TimeSpan.FromSeconds(5)));

    /// <summary>Commands a lookup causes (the EVALSHA and the calls inside it), from INFO commandstats.</summary>
    public async Task<long> LookupCommandsAsync()
    {
        var stats = await CliAsync("INFO", "commandstats");
        long total = 0;
        foreach (var line in stats.Split('\n'))
        {
            var name = line.Split(':')[0];
            if (name is "cmdstat_evalsha" or "cmdstat_evalsha_ro" or "cmdstat_eval" or "cmdstat_eval_ro" or "cmdstat_smembers" or "cmdstat_lrange"
                or "cmdstat_exists" or "cmdstat_hgetall" or "cmdstat_zrangebyscore" or "cmdstat_zrange" or "cmdstat_pttl")
            {
                total += long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>Runs redis-cli against this server, as a person would, and returns its output.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-h");
        psi.ArgumentList.Add("127.0.0.1");
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(Port.ToString());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output.Trim();
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to clients.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    public Task RestartAsync()
    {
        Kill();
        return StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dataDir,
        };
        if (!_stock)
        {
            psi.ArgumentList.Add(RepoPaths.RedisConf);
        }
        else
        {
            // Stock settings, but loopback only (a packaged server listens on every interface).
            psi.ArgumentList.Add("--bind");
            psi.ArgumentList.Add("127.0.0.1");
        }

        foreach (var (k, v) in new[] { ("--port", Port.ToString()), ("--dir", _dataDir), ("--daemonize", "no"), ("--logfile", ""), ("--pidfile", Path.Combine(_dataDir, "redis.pid")) })
        {
            psi.ArgumentList.Add(k);
            psi.ArgumentList.Add(v);
        }

        foreach (var a in _extraArgs)
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start redis-server");
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                lock (log)
                {
                    throw new InvalidOperationException($"redis-server exited ({process.ExitCode}): {log}");
                }
            }

            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"redis-server on {Port} did not answer PING");
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var n = await stream.ReadAsync(buffer);
            // NOAUTH: up, started with --requirepass.
            var reply = Encoding.ASCII.GetString(buffer, 0, n);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        Kill();
        _process?.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>xunit class fixture: one redis-server per test class.</summary>
public sealed class RedisFixture : Xunit.IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
