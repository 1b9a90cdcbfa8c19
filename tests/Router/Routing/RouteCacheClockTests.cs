using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>
/// The cache's time rules (TTL, notified TTL cap, stale limit, breaker) on a fake clock and a scripted store: each
/// test advances time past a limit and sees the answer change, so none depends on sleeping or on the machine's speed.
/// </summary>
public sealed class RouteCacheClockTests : IDisposable
{
    private const string Host = "shop.example.com";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ScriptedStore _store = new();
    private readonly List<IDisposable> _owned = [];

    public void Dispose() => _owned.ForEach(d => d.Dispose());

    private RouteCache Cache(Action<EntranceOptions>? configure = null)
    {
        var o = new EntranceOptions { CacheTtl = TimeSpan.FromSeconds(5), NotifiedCacheTtl = TimeSpan.FromSeconds(60), MaxStale = TimeSpan.FromHours(1) };
        configure?.Invoke(o);
        var options = Options.Create(o);
        var policies = new LoadBalancingPolicies([new PowerOfTwoChoicesPolicy(), new RandomPolicy(), new RoundRobinPolicy()], options, NullLogger<LoadBalancingPolicies>.Instance);
        var backends = new BackendRegistry(_time);
        var cache = new RouteCache(_store, backends, policies, options, _time, NullLogger<RouteCache>.Instance);
        _owned.Add(cache);
        _owned.Add(backends);
        return cache;
    }

    [Fact]
    public async Task GetAsync_WithinTtl_ServedFromMemoryThenAskedAgainOnceItPassed()
    {
        var cache = Cache();
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync(Host)).Source);

        // Up to 10 % jitter: the answer is fresh for at least 4.5 s and at most 5 s.
        _time.Advance(TimeSpan.FromMilliseconds(4_499));
        Assert.Equal(RouteLookupSource.Cache, (await cache.GetAsync(Host)).Source);
        Assert.Equal(1, _store.Calls);

        _time.Advance(TimeSpan.FromMilliseconds(501));
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync(Host)).Source);
        Assert.Equal(2, _store.Calls);
    }

    [Fact]
    public async Task SetChangesPushed_PushStops_AnswersCappedToPollingTtl()
    {
        var cache = Cache();
        cache.SetChangesPushed(true);
        await cache.GetAsync(Host);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(RouteLookupSource.Cache, (await cache.GetAsync(Host)).Source); // the notified TTL (54-60 s) holds

        cache.SetChangesPushed(false);
        _time.Advance(TimeSpan.FromMilliseconds(4_999));
        Assert.Equal(RouteLookupSource.Cache, (await cache.GetAsync(Host)).Source);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync(Host)).Source);
        Assert.Equal(TimeSpan.FromSeconds(5), cache.CurrentTtl);
    }

    [Fact]
    public async Task GetAsync_StoreDownWithinMaxStale_ServesLastKnownAnswer()
    {
        var cache = Cache();
        var first = await cache.GetAsync(Host);
        _store.Down = true;

        _time.Advance(TimeSpan.FromMinutes(59));
        var stale = await cache.GetAsync(Host);

        Assert.Equal(RouteLookupSource.Stale, stale.Source);
        Assert.Same(first.Entry, stale.Entry);
        Assert.Equal(2, _store.Calls); // Redis was asked, and failed
    }

    [Fact]
    public async Task GetAsync_StoreDownPastMaxStale_Unavailable()
    {
        var cache = Cache();
        await cache.GetAsync(Host);
        _store.Down = true;

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => cache.GetAsync(Host).AsTask());
    }

    [Fact]
    public async Task GetAsync_NotFoundAnswerStoreDown_StaleForOneTtlOnly()
    {
        _store.Exists = false;
        var cache = Cache();
        Assert.Null((await cache.GetAsync(Host)).Entry);
        _store.Down = true;

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RouteLookupSource.Stale, (await cache.GetAsync(Host)).Source);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => cache.GetAsync(Host).AsTask());
    }

    [Fact]
    public async Task GetAsync_ThresholdFailures_BreakerFailsFastUntilBreakOver()
    {
        var cache = Cache(o => o.StoreBreaker = new StoreBreakerOptions { Threshold = 2, BreakDuration = TimeSpan.FromSeconds(2) });
        _store.Down = true;
        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => cache.GetAsync("a.example.com").AsTask());
        Assert.False(cache.StoreCircuitOpen);
        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => cache.GetAsync("b.example.com").AsTask());
        Assert.True(cache.StoreCircuitOpen);

        var fast = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => cache.GetAsync("c.example.com").AsTask());
        Assert.Equal("Redis circuit open", fast.Message);
        Assert.Equal(2, _store.Calls); // the third miss never reached Redis

        _store.Down = false;
        _time.Advance(TimeSpan.FromMilliseconds(1_999));
        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => cache.GetAsync("c.example.com").AsTask());
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync("c.example.com")).Source);
        Assert.False(cache.StoreCircuitOpen);
        Assert.Equal(3, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_LookupOverlappedByInvalidation_StoredAlreadyStale()
    {
        var cache = Cache();
        var gate = new TaskCompletionSource();
        _store.Gate = gate.Task;
        var lookup = cache.GetAsync(Host).AsTask();

        cache.Invalidate(new RouteChange(RouteChangeKind.Route, Host, RouteChangeOrigin.Publish));
        gate.SetResult();
        await lookup;
        _store.Gate = null;

        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync(Host)).Source);
        Assert.Equal(2, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_ConcurrentMisses_OneStoreCall()
    {
        var cache = Cache();
        var gate = new TaskCompletionSource();
        _store.Gate = gate.Task;

        var lookups = Enumerable.Range(0, 20).Select(_ => cache.GetAsync(Host).AsTask()).ToArray();
        gate.SetResult();
        var results = await Task.WhenAll(lookups);

        Assert.Equal(1, _store.Calls);
        Assert.All(results, r => Assert.Same(results[0].Entry, r.Entry));
    }

    /// <summary>Answers every host with one backend, or fails like an unreachable Redis; optionally holds answers until a gate opens.</summary>
    private sealed class ScriptedStore : IRouteStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public bool Down { get; set; }

        public bool Exists { get; set; } = true;

        public Task? Gate { get; set; }

        public bool IsConnected => true;

        public async Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (Gate is { } gate)
            {
                await gate;
            }

            if (Down)
            {
                throw new RouteStoreUnavailableException("down");
            }

            return Exists
                ? new RouteRecord(host, "entrance:backends:" + host, RouteSchema.Native, ["http://10.0.0.1:80"], new Dictionary<string, string>(), [])
                : null;
        }

        public Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
