using System.Diagnostics;
using Entrance.Testing;
using StackExchange.Redis;

namespace Entrance.Bench;

/// <summary>
/// bench/three-routers.sh's measuring side. <c>latency</c>: a raw change to one host (DEL + SADD in one MULTI/EXEC,
/// plus PUBLISH entrance:changed in the publish mode) switches it between two in-process Kestrel backends; one poller
/// per router, each on its own keep-alive connection and all three at once, hammers GET until that router answers from
/// the new backend; the sample is the time from just before the write was sent to that answer. Modes are interleaved
/// round by round (tracking on the routers with CLIENT TRACKING; keyspace and publish on routers without it, keyspace
/// events switched on only for the keyspace rounds), so a load spike on the shared machine hits all of them alike.
/// Also measured each round: a cached request's round trip on the same connections, the floor of what the poller can see.
/// <c>load</c>: 1,000 hosts, a steady request rate spread over the routers, Redis commands/s from INFO.
/// </summary>
public static class ThreeRouters
{
    private const string KeyspaceFlags = "Kghlszx";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Args.Parse(args);
        using var redis = await ConnectionMultiplexer.ConnectAsync(options.Get("redis") + ",allowAdmin=true");
        return options.Command switch
        {
            "latency" => await LatencyAsync(redis, options),
            "load" => await LoadAsync(redis, options),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Entrance.Bench three-routers latency --redis H:P --tracking URL,URL,URL --polling URL,URL,URL [--rounds 50]");
        Console.Error.WriteLine("       Entrance.Bench three-routers load --redis H:P --routers URL,URL,URL [--seconds 10] [--rate 600] [--hosts 1000]");
        return 2;
    }

    private static async Task<int> LatencyAsync(ConnectionMultiplexer redis, Args options)
    {
        var rounds = options.Int("rounds", 50);
        var groups = new Dictionary<string, Poller[]>
        {
            ["tracking"] = Poller.For(options.Get("tracking")),
            ["keyspace"] = Poller.For(options.Get("polling")),
            ["publish"] = Poller.For(options.Get("polling")),
        };
        await using var blue = await TestBackend.StartAsync("blue");
        await using var green = await TestBackend.StartAsync("green");
        var db = redis.GetDatabase();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var samples = groups.Keys.ToDictionary(m => m, _ => new List<double>());
        var floor = new List<double>();
        var current = groups.Keys.ToDictionary(m => m, _ => blue);
        foreach (var mode in groups.Keys)
        {
            await server.ConfigSetAsync("notify-keyspace-events", mode == "keyspace" ? KeyspaceFlags : string.Empty);
            await SwitchAsync(db, mode, blue, blue, publish: true);
            await Task.WhenAll(groups[mode].Select(p => p.UntilAsync(Host(mode), blue.Name, Stopwatch.GetTimestamp())));
        }

        for (var round = 0; round < rounds; round++)
        {
            // Rotate the order so no mode always runs right after another.
            foreach (var mode in groups.Keys.Skip(round % 3).Concat(groups.Keys.Take(round % 3)))
            {
                var pollers = groups[mode];
                await server.ConfigSetAsync("notify-keyspace-events", mode == "keyspace" ? KeyspaceFlags : string.Empty);
                foreach (var p in pollers)
                {
                    var (body, ms) = await p.GetAsync(Host(mode));
                    if (body != current[mode].Name)
                    {
                        throw new InvalidOperationException($"{p.Url} serves '{body}' for {Host(mode)} before the change, not {current[mode].Name}");
                    }

                    floor.Add(ms);
                }

                var next = current[mode] == blue ? green : blue;
                var t0 = Stopwatch.GetTimestamp();
                await SwitchAsync(db, mode, current[mode], next, publish: mode == "publish");
                var results = await Task.WhenAll(pollers.Select(p => p.UntilAsync(Host(mode), next.Name, t0)));
                samples[mode].AddRange(results);
                current[mode] = next;
            }
        }

        await server.ConfigSetAsync("notify-keyspace-events", string.Empty);
        Console.WriteLine($"change-to-served, 3 routers x {rounds} rounds per path, interleaved; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine($"{"path",-34} {"samples",7} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"max ms",8}");
        Report("raw write, CLIENT TRACKING", samples["tracking"]);
        Report("raw write, keyspace events", samples["keyspace"]);
        Report("write + PUBLISH entrance:changed", samples["publish"]);
        Report("(floor: one cached request)", floor);
        return 0;
    }

    private static string Host(string mode) => $"{mode}.three.local";

    /// <summary>One atomic change: the host's backend set becomes <paramref name="to"/>, announced if asked.</summary>
    private static Task SwitchAsync(IDatabase db, string mode, TestBackend from, TestBackend to, bool publish)
    {
        var key = "entrance:backends:" + Host(mode);
        var tx = db.CreateTransaction();
        _ = tx.KeyDeleteAsync(key);
        _ = tx.SetAddAsync(key, to.Url);
        if (publish)
        {
            _ = tx.PublishAsync(RedisChannel.Literal("entrance:changed"), Host(mode));
        }

        return tx.ExecuteAsync();
    }

    private static async Task<int> LoadAsync(ConnectionMultiplexer redis, Args options)
    {
        var seconds = options.Int("seconds", 10);
        var rate = options.Int("rate", 600);
        var hosts = options.Int("hosts", 1000);
        var pollers = Poller.For(options.Get("routers"), connections: 8);
        await using var backend = await TestBackend.StartAsync("load");
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = Enumerable.Range(1, hosts).Select(k => batch.SetAddAsync($"entrance:backends:load{k}.three.local", backend.Url)).ToArray();
        batch.Execute();
        await Task.WhenAll(writes);

        // Warm: every router reads every host once (the lookups a cold cache makes are not the steady state).
        await Task.WhenAll(pollers.Select(async p =>
        {
            for (var k = 1; k <= hosts; k++)
            {
                await p.GetAsync($"load{k}.three.local");
            }
        }));

        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var before = await CommandsAsync(server);
        var watch = Stopwatch.StartNew();
        long requests = 0, failed = 0;
        var perRouter = Math.Max(1, rate / pollers.Length);
        await Task.WhenAll(pollers.Select(async (p, r) =>
        {
            // Paced: request n of this router is sent at n / perRouter seconds, several in flight at once.
            await Parallel.ForEachAsync(Enumerable.Range(0, perRouter * seconds), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) =>
            {
                var due = TimeSpan.FromSeconds((double)n / perRouter) - watch.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                var (body, _) = await p.GetAsync($"load{(n * 7 + r) % hosts + 1}.three.local");
                Interlocked.Increment(ref body == "load" ? ref requests : ref failed);
            });
        }));
        var elapsed = watch.Elapsed.TotalSeconds;
        var after = await CommandsAsync(server);
        var commands = after.Total - before.Total - 1; // the second INFO itself
        Console.WriteLine($"steady load on {pollers.Length} routers, {hosts} hosts: {requests / elapsed:F0} req/s for {elapsed:F1} s ({failed} failed); load average {LoadAverage()}");
        Console.WriteLine($"Redis commands/s {commands / elapsed:F2} (per proxied request {commands / Math.Max(1.0, requests):F5}); by command: " +
            string.Join(", ", after.ByCommand.Select(kv => (kv.Key, kv.Value - before.ByCommand.GetValueOrDefault(kv.Key)))
                .Where(kv => kv.Item2 > 0).OrderByDescending(kv => kv.Item2).Select(kv => $"{kv.Key} {kv.Item2}")));
        return 0;
    }

    private static async Task<(long Total, Dictionary<string, long> ByCommand)> CommandsAsync(IServer server)
    {
        var byCommand = new Dictionary<string, long>();
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var stat in group)
            {
                // cmdstat_get:calls=12,usec=...
                var calls = stat.Value.Split(',')[0];
                byCommand[stat.Key.Replace("cmdstat_", string.Empty)] = long.Parse(calls["calls=".Length..]);
            }
        }

        return (byCommand.Values.Sum(), byCommand);
    }

    private static void Report(string name, List<double> samples)
    {
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
        Console.WriteLine($"{name,-34} {samples.Count,7} {P(0.5),8:F1} {P(0.9),8:F1} {P(0.99),8:F1} {samples[^1],8:F1}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>Keep-alive HTTP/1.1 to one router; no proxy, no pooled-connection expiry during a run.</summary>
    private sealed class Poller(string url, int connections)
    {
        private readonly HttpClient _client = new(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };

        public string Url => url;

        public static Poller[] For(string urls, int connections = 1) =>
            [.. urls.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Poller(u, connections))];

        public async Task<(string Body, double Ms)> GetAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = host;
            var start = Stopwatch.GetTimestamp();
            using var response = await _client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (body, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        /// <summary>Requests back to back until the answer is <paramref name="body"/>: ms since <paramref name="since"/>.</summary>
        public async Task<double> UntilAsync(string host, string body, long since)
        {
            while ((await GetAsync(host)).Body != body)
            {
                if (Stopwatch.GetElapsedTime(since) > TimeSpan.FromSeconds(40))
                {
                    throw new TimeoutException($"{url} did not serve {body} for {host} within 40 s");
                }
            }

            return Stopwatch.GetElapsedTime(since).TotalMilliseconds;
        }
    }

    private sealed class Args
    {
        private readonly Dictionary<string, string> _values = [];

        public string Command { get; private init; } = string.Empty;

        public static Args Parse(string[] args)
        {
            var parsed = new Args { Command = args.FirstOrDefault() ?? string.Empty };
            for (var i = 1; i + 1 < args.Length; i += 2)
            {
                parsed._values[args[i].TrimStart('-')] = args[i + 1];
            }

            return parsed;
        }

        public string Get(string name) => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");

        public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v) : fallback;
    }
}
