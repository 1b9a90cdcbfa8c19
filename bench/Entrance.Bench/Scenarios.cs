using System.Diagnostics;
using System.Net;
using Entrance.Router;
using Entrance.Router.Configuration;
using Entrance.Testing;
using Microsoft.AspNetCore.Builder;

namespace Entrance.Bench;

/// <summary>
/// End-to-end figures that tests only bound loosely: how fast a change reaches a router (PUBLISH, keyspace event,
/// re-subscribe), how a Redis outage looks to clients, and how much memory a flood of random hosts costs.
/// Everything runs on loopback: a real redis-server, real Kestrel backends, the real router in-process (Release).
/// </summary>
public static class Scenarios
{
    public static async Task<int> RunAsync(string[] args)
    {
        var trials = args.Length >= 2 && args[0] == "--trials" ? int.Parse(args[1]) : 30;
        await using var redis = await RedisServer.StartAsync();
        await using var oldBackend = await TestBackend.StartAsync("old");
        await using var newBackend = await TestBackend.StartAsync("new");
        await using var router = await Router.StartAsync(redis, "--Entrance:CacheTtl", "00:01:00");

        Console.WriteLine($"Entrance scenarios: {trials} trials each, {Environment.ProcessorCount} cores");
        await WaitForSubscriberAsync(redis);

        await redis.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        Report("PUBLISH entrance:changed -> served", await PropagationAsync(redis, router, oldBackend, newBackend, trials, "pub", publish: true));
        await redis.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        Report("redis-cli SADD (keyspace) -> served", await PropagationAsync(redis, router, oldBackend, newBackend, trials, "ks", publish: false));
        Report("never-seen host, Redis down -> 503", await OutageAsync(redis, router, newBackend, trials));
        await FloodAsync(redis);
        return 0;
    }

    /// <summary>Swap a host's backend, then time until the router serves the new one.</summary>
    private static async Task<List<double>> PropagationAsync(RedisServer redis, Router router, TestBackend from, TestBackend to, int trials, string tag, bool publish)
    {
        var samples = new List<double>();
        for (var i = 0; i < trials; i++)
        {
            var host = $"{tag}{i}.example.com";
            await redis.CliAsync("SADD", "entrance:backends:" + host, from.Url);
            await Task.Delay(20);
            if (await router.BodyAsync(host) != "old")
            {
                throw new InvalidOperationException("warm-up failed");
            }

            var db = redis.Db;
            var watch = Stopwatch.StartNew();
            await db.SetAddAsync("entrance:backends:" + host, to.Url);
            await db.SetRemoveAsync("entrance:backends:" + host, from.Url);
            if (publish)
            {
                await redis.Client.GetSubscriber().PublishAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), host);
            }

            while (await router.BodyAsync(host) != "new")
            {
            }

            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    /// <summary>Kill Redis under load on cached hosts; count failures; time 503s for unseen hosts; time recovery.</summary>
    private static async Task<List<double>> OutageAsync(RedisServer redis, Router router, TestBackend backend, int trials)
    {
        var hosts = Enumerable.Range(0, 20).Select(i => $"cached{i}.example.com").ToArray();
        foreach (var host in hosts)
        {
            await redis.CliAsync("SADD", "entrance:backends:" + host, backend.Url);
            await router.BodyAsync(host);
        }

        long ok = 0, failed = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(async w =>
        {
            for (var i = w; !stop.IsCancellationRequested; i++)
            {
                using var r = await router.GetAsync(hosts[i % hosts.Length]);
                Interlocked.Increment(ref r.StatusCode == HttpStatusCode.OK ? ref ok : ref failed);
            }
        }).ToArray();

        await Task.Delay(500);
        redis.Kill();
        var samples = new List<double>();
        for (var i = 0; i < trials; i++)
        {
            var watch = Stopwatch.StartNew();
            using var r = await router.GetAsync($"unseen{i}.example.com");
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        await Task.Delay(2000);
        stop.Cancel();
        await Task.WhenAll(load);
        Console.WriteLine($"  outage: {ok} requests for cached hosts served, {failed} failed");

        await redis.RestartAsync();
        var recovery = Stopwatch.StartNew();
        await redis.CliAsync("SADD", "entrance:backends:back.example.com", backend.Url);
        while ((await router.GetAsync("back.example.com")).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(5);
        }

        Console.WriteLine($"  recovery: a new route served {recovery.Elapsed.TotalMilliseconds:F0} ms after redis-server restarted");
        return samples;
    }

    /// <summary>100,000 distinct random hosts against the default cache size; heap and working set growth.</summary>
    private static async Task FloodAsync(RedisServer redis)
    {
        await using var router = await Router.StartAsync(redis);
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        var heap = GC.GetTotalMemory(true);
        var rss = Environment.WorkingSet;
        var watch = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= 100_000)
            {
                using var r = await router.GetAsync($"{Guid.NewGuid():N}.flood.example.com");
            }
        }));
        var elapsed = watch.Elapsed;
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        Console.WriteLine($"  flood: 100,000 random hosts in {elapsed.TotalSeconds:F1} s ({100_000 / elapsed.TotalSeconds:F0} req/s); " +
            $"managed heap +{(GC.GetTotalMemory(true) - heap) / 1048576.0:F1} MiB, working set +{(Environment.WorkingSet - rss) / 1048576.0:F1} MiB (router, client and backend in one process)");
    }

    private static void Report(string name, List<double> samples)
    {
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
        Console.WriteLine($"{name,-40} p50 {P(0.5),7:F2} ms   p99 {P(0.99),7:F2} ms   max {samples[^1],7:F2} ms");
    }

    private static async Task WaitForSubscriberAsync(RedisServer redis)
    {
        while (!(await redis.CliAsync("PUBSUB", "NUMSUB", "entrance:changed")).EndsWith("\n1", StringComparison.Ordinal))
        {
            await Task.Delay(20);
        }
    }

    /// <summary>The router app in-process on a free loopback port.</summary>
    private sealed class Router : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private Router(WebApplication app)
        {
            _app = app;
            _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(app.ListeningAddresses().First()) };
        }

        public static async Task<Router> StartAsync(RedisServer redis, params string[] extra)
        {
            var app = EntranceRouter.Build(["--urls", "http://127.0.0.1:0", "--Entrance:Redis", redis.Configuration, "--Serilog:MinimumLevel:Default", "Error", .. extra]);
            await app.StartAsync();
            return new Router(app);
        }

        public async Task<HttpResponseMessage> GetAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = host;
            return await _client.SendAsync(request);
        }

        public async Task<string> BodyAsync(string host)
        {
            using var r = await GetAsync(host);
            return await r.Content.ReadAsStringAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
