using BenchmarkDotNet.Attributes;
using Entrance.Core.Hosts;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Entrance.Bench;

/// <summary>What every proxied request pays before YARP: Host normalisation, the cache hit, the backend pick.</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private RouteCache _cache = null!;
    private RouteEntry _entry = null!;
    private readonly PowerOfTwoChoicesPolicy _p2c = new();
    private readonly RoundRobinPolicy _roundRobin = new();

    [GlobalSetup]
    public void Setup()
    {
        var options = Options.Create(new EntranceOptions { CacheTtl = TimeSpan.FromHours(1) });
        var policies = new LoadBalancingPolicies([_p2c, new RandomPolicy(), _roundRobin], options, NullLogger<LoadBalancingPolicies>.Instance);
        _cache = new RouteCache(new FixedStore(), new BackendRegistry(), policies, options, TimeProvider.System, NullLogger<RouteCache>.Instance);
        _entry = _cache.GetAsync("shop.example.com").AsTask().GetAwaiter().GetResult().Entry!;
    }

    [Benchmark]
    public bool Normalize_AlreadyNormal() => HostName.TryNormalize("shop.example.com", out _);

    [Benchmark]
    public bool Normalize_WithPort() => HostName.TryNormalize("Shop.Example.com:8080", out _);

    [Benchmark]
    public string[] Candidates_FourLabels() => HostName.Candidates("a.shop.example.com");

    [Benchmark]
    public RouteEntry? CacheHit() => _cache.GetAsync("shop.example.com").Result.Entry;

    [Benchmark]
    public BackendState PickP2C() => _p2c.Pick(_entry, _entry.Live(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _));

    [Benchmark]
    public BackendState PickRoundRobin() => _roundRobin.Pick(_entry, _entry.Live(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _));

    /// <summary>Answers every host with three backends; the cache never asks again within the hour-long TTL.</summary>
    private sealed class FixedStore : IRouteStore
    {
        public bool IsConnected => true;

        public Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default) =>
            Task.FromResult<RouteRecord?>(new RouteRecord(host, "entrance:backends:" + host, RouteSchema.Native,
                ["http://10.0.0.1:80", "http://10.0.0.2:80", "http://10.0.0.3:80"], new Dictionary<string, string>(), []));

        public Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
