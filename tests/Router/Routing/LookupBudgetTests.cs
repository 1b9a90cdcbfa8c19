using System.Net;
using Entrance.Core.Schema;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>The miss budgets on a fake clock: per client slot, per router, refills, and what the route cache charges.</summary>
public sealed class LookupBudgetTests : IDisposable
{
    private static readonly IPAddress Alice = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Bob = IPAddress.Parse("192.0.2.2");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CountingStore _store = new();
    private readonly List<IDisposable> _owned = [];

    public void Dispose() => _owned.ForEach(d => d.Dispose());

    private LookupBudget Budget(double perClient = 10, double clientBurst = 3, double perRouter = 1000, double routerBurst = 1000) =>
        new(new LookupBudgetOptions { PerClientPerSecond = perClient, PerClientBurst = clientBurst, PerRouterPerSecond = perRouter, PerRouterBurst = routerBurst, ClientSlots = 1 << 16 }, _time);

    [Fact]
    public void TryTake_ClientOverBurst_ClientRejectedOthersNot()
    {
        var budget = Budget();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(BudgetScope.None, budget.TryTake(Alice));
        }

        Assert.Equal(BudgetScope.Client, budget.TryTake(Alice));
        Assert.Equal(BudgetScope.None, budget.TryTake(Bob));
        Assert.Equal(1, budget.ClientRejections);
        Assert.Equal(0, budget.RouterRejections);
    }

    [Fact]
    public void TryTake_TimePasses_RefilledAtTheRate()
    {
        var budget = Budget(perClient: 10, clientBurst: 3);
        for (var i = 0; i < 3; i++)
        {
            budget.TryTake(Alice);
        }

        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(BudgetScope.Client, budget.TryTake(Alice));
        _time.Advance(TimeSpan.FromMilliseconds(1)); // 10/s: one miss per 100 ms
        Assert.Equal(BudgetScope.None, budget.TryTake(Alice));
        Assert.Equal(BudgetScope.Client, budget.TryTake(Alice));

        _time.Advance(TimeSpan.FromHours(1)); // never more than the burst
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(BudgetScope.None, budget.TryTake(Alice));
        }

        Assert.Equal(BudgetScope.Client, budget.TryTake(Alice));
    }

    [Fact]
    public void TryTake_RouterOverBudget_EveryClientRejected()
    {
        var budget = Budget(perClient: 100, clientBurst: 100, perRouter: 1, routerBurst: 2);
        Assert.Equal(BudgetScope.None, budget.TryTake(Alice));
        Assert.Equal(BudgetScope.None, budget.TryTake(Bob));

        Assert.Equal(BudgetScope.Router, budget.TryTake(Alice));
        Assert.Equal(BudgetScope.Router, budget.TryTake(null));
        Assert.Equal(2, budget.RouterRejections);
    }

    [Fact]
    public void TryTake_ClientOverItsBudget_RouterBudgetNotSpent()
    {
        var budget = Budget(perClient: 1, clientBurst: 1, perRouter: 1, routerBurst: 2);
        budget.TryTake(Alice);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(BudgetScope.Client, budget.TryTake(Alice));
        }

        Assert.Equal(BudgetScope.None, budget.TryTake(Bob)); // Alice's flood left the router's second token
    }

    [Fact]
    public void TryTake_RatesZero_NeverRejected()
    {
        var budget = Budget(perClient: 0, perRouter: 0);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(BudgetScope.None, budget.TryTake(Alice));
        }
    }

    [Fact]
    public void Slot_SameIpv6Slash64_SameBucket()
    {
        Assert.Equal(LookupBudget.Slot(IPAddress.Parse("2001:db8:1:2::1")), LookupBudget.Slot(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.Equal(LookupBudget.Slot(IPAddress.Parse("192.0.2.7")), LookupBudget.Slot(IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.NotEqual(LookupBudget.Slot(IPAddress.Parse("2001:db8:1:2::1")), LookupBudget.Slot(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public async Task GetAsync_UnknownHostsOverClientBudget_OverBudgetWithoutStore()
    {
        _store.Exists = false;
        var cache = Cache(perClient: 1, clientBurst: 2);
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync("a.example.com", Alice)).Source);
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync("b.example.com", Alice)).Source);

        var over = await cache.GetAsync("c.example.com", Alice);

        Assert.Equal(RouteLookupSource.OverBudget, over.Source);
        Assert.Null(over.Entry);
        Assert.Equal(2, _store.Calls);
        Assert.Null(cache.Peek("c.example.com")); // nothing cached: the host may exist
        Assert.Equal(RouteLookupSource.Cache, (await cache.GetAsync("a.example.com", Alice)).Source); // cached answers cost nothing
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync("c.example.com", Bob)).Source);
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync("d.example.com")).Source); // unbudgeted (admin) lookups
    }

    [Fact]
    public async Task GetAsync_CachedRouteExpiredOverBudget_RefreshedFromStore()
    {
        var cache = Cache(perClient: 1, clientBurst: 1);
        Assert.Equal(RouteLookupSource.Store, (await cache.GetAsync("known.example.com", Alice)).Source);

        _time.Advance(TimeSpan.FromSeconds(10)); // past the TTL; the refilled token (burst 1) is spent below
        Assert.Equal(BudgetScope.None, cache.Budget.TryTake(Alice));
        Assert.Equal(BudgetScope.Client, cache.Budget.TryTake(Alice));
        var refreshed = await cache.GetAsync("known.example.com", Alice);

        Assert.Equal(RouteLookupSource.Store, refreshed.Source); // a known route's refresh is never charged
        Assert.NotNull(refreshed.Entry);
        Assert.Equal(2, _store.Calls);
    }

    private RouteCache Cache(double perClient, double clientBurst)
    {
        var o = new EntranceOptions
        {
            CacheTtl = TimeSpan.FromSeconds(5),
            LookupBudget = new LookupBudgetOptions { PerClientPerSecond = perClient, PerClientBurst = clientBurst },
        };
        var options = Options.Create(o);
        var policies = new LoadBalancingPolicies([new PowerOfTwoChoicesPolicy(), new RandomPolicy(), new RoundRobinPolicy()], options, NullLogger<LoadBalancingPolicies>.Instance);
        var backends = new BackendRegistry(_time);
        var cache = new RouteCache(_store, backends, policies, options, _time, NullLogger<RouteCache>.Instance);
        _owned.Add(cache);
        _owned.Add(backends);
        return cache;
    }

    private sealed class CountingStore : IRouteStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public bool Exists { get; set; } = true;

        public bool IsConnected => true;

        public Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(Exists
                ? new RouteRecord(host, "entrance:backends:" + host, RouteSchema.Native, ["http://10.0.0.1:80"], new Dictionary<string, string>(), [])
                : null);
        }

        public Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
