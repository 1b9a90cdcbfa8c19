using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Registrations;

/// <summary>
/// Registration expiry on the router's monotonic clock: the time left that Redis reported is counted from when the
/// lookup was asked, on the injected clock, so a fake clock moves a backend past its expiry without sleeping.
/// </summary>
public sealed class RegistrationClockTests : IDisposable
{
    private const string A = "http://10.0.0.1:80";
    private const string B = "http://10.0.0.2:80";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<IDisposable> _owned = [];

    public void Dispose() => _owned.ForEach(d => d.Dispose());

    private RouteCache Cache(RouteRecord record)
    {
        var options = Options.Create(new EntranceOptions { CacheTtl = TimeSpan.FromHours(1), NotifiedCacheTtl = TimeSpan.FromHours(1) });
        var policies = new LoadBalancingPolicies([new PowerOfTwoChoicesPolicy(), new RandomPolicy(), new RoundRobinPolicy()], options, NullLogger<LoadBalancingPolicies>.Instance);
        var backends = new BackendRegistry(_time);
        var cache = new RouteCache(new OneRecordStore(record), backends, policies, options, _time, NullLogger<RouteCache>.Instance);
        _owned.Add(cache);
        _owned.Add(backends);
        return cache;
    }

    private static RouteRecord Record(long[] expiresInMs, int[]? weights = null) =>
        new("h.example.com", "entrance:backends:h.example.com", RouteSchema.Native, [A, B], new Dictionary<string, string>(), [])
        {
            ExpiresInMs = expiresInMs,
            Weights = weights ?? [],
        };

    private long NowUnix => _time.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public async Task Live_RegistrationTimeLeftPasses_BackendLeavesLiveSet()
    {
        var entry = (await Cache(Record([long.MaxValue, 3_000])).GetAsync("h.example.com")).Entry!;
        Assert.Equal(2, entry.Live(NowUnix, out _).Length);

        _time.Advance(TimeSpan.FromMilliseconds(2_999));
        Assert.Equal(2, entry.Live(NowUnix, out _).Length);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([A], entry.Live(NowUnix, out _).Select(b => b.Url));
        Assert.Equal([A], entry.Unexpired().Select(b => b.Url)); // retries never reach it either
    }

    [Fact]
    public async Task Live_AlreadyExpiredWhenRead_NeverPicked()
    {
        var entry = (await Cache(Record([long.MaxValue, -5])).GetAsync("h.example.com")).Entry!;

        Assert.Equal([A], entry.Live(NowUnix, out _).Select(b => b.Url));
    }

    [Fact]
    public async Task Live_AllExpired_EmptyNotPanic()
    {
        var entry = (await Cache(Record([1_000, 1_000])).GetAsync("h.example.com")).Entry!;
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(entry.Live(NowUnix, out var panic));
        Assert.False(panic);
    }

    [Fact]
    public async Task Live_WeightZeroAndLiveOther_DrainedLeftOut()
    {
        var entry = (await Cache(Record([], [0, 3])).GetAsync("h.example.com")).Entry!;

        Assert.Equal([B], entry.Live(NowUnix, out _).Select(b => b.Url));
        Assert.True(entry.Weighted);
    }

    [Fact]
    public async Task SmoothPick_Weights5And1_InterleavedAsNginx()
    {
        var entry = (await Cache(Record([], [5, 1])).GetAsync("h.example.com")).Entry!;
        var live = entry.Live(NowUnix, out _);

        var picks = string.Concat(Enumerable.Range(0, 12).Select(_ => new RoundRobinPolicy().Pick(entry, live).Url == A ? 'a' : 'b'));

        Assert.Equal("aaabaaaaabaa", picks); // 5:1 per cycle of 6, the light one spread out, not bunched at the end
    }

    private sealed class OneRecordStore(RouteRecord record) : IRouteStore
    {
        public bool IsConnected => true;

        public Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default) => Task.FromResult<RouteRecord?>(record);

        public Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
