using System.Net;
using Entrance.Core.Store;
using Entrance.Router.Routing;
using Entrance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Entrance.Router.Tests.Routing;

// Measures the process's managed heap: other test classes allocating meanwhile would count against its bound.
[Collection(MeasuresProcessHeap.Name)]
public class RouteCacheLoadTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("b1");
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task Get_ConcurrentMissesForOneHost_OneRedisLookup()
    {
        // Redis's answer is held back until the requests pile up, so they surely overlap: without single flight each would look up.
        CountingStore? counting = null;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var router = await RouterHost.StartAsync(redis.Server, builder =>
        {
            builder.Services.RemoveAll<IRouteStore>();
            builder.Services.AddSingleton<IRouteStore>(sp => counting = new CountingStore(sp.GetRequiredService<RedisRouteStore>(), gate.Task));
        }, "Entrance:CacheTtl=00:01:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server);
        await redis.Server.CliAsync("SADD", "entrance:backends:sf.example.com", _backend.Url);
        // Let the write's own keyspace event land first: a lookup overlapping an invalidation is (rightly) not trusted.
        await Task.Delay(300);
        var before = await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server);

        var requests = Enumerable.Range(0, 50).Select(_ => router.GetAsync("sf.example.com")).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(counting?.Calls >= 1), TimeSpan.FromSeconds(10), "the first miss reached the store");
        await Task.Delay(300); // the other 49 arrive and join (or, without single flight, call the store too)
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, counting!.Calls);
        Assert.Equal(before + 1, await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server));
    }

    [Fact]
    public async Task Get_100kRandomHosts_MemoryBoundedAndLookupConcurrencyLimited()
    {
        const int limit = 5_000;
        const int lookups = 4;
        CountingStore? counting = null;
        await using var router = await RouterHost.StartAsync(redis.Server, builder =>
        {
            builder.Services.RemoveAll<IRouteStore>();
            builder.Services.AddSingleton<IRouteStore>(sp => counting = new CountingStore(sp.GetRequiredService<RedisRouteStore>()));
        }, $"Entrance:CacheSizeLimit={limit}", $"Entrance:MaxConcurrentLookups={lookups}", "Entrance:RedisTimeout=00:00:05",
            "Entrance:LookupBudget:PerClientPerSecond=0", "Entrance:LookupBudget:PerRouterPerSecond=0"); // the flood is the point here
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var baseline = GC.GetTotalMemory(true);

        var next = 0;
        var notFound = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= 100_000)
            {
                using var response = await router.GetAsync($"{Guid.NewGuid():N}.flood.example.com");
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    Interlocked.Increment(ref notFound);
                }
            }
        }));

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var growth = GC.GetTotalMemory(true) - baseline;
        var cache = router.Service<RouteCache>();
        Assert.True(notFound > 99_000, $"{notFound} of 100,000 answered 404");
        Assert.True(counting!.MaxInFlight <= lookups, $"{counting.MaxInFlight} lookups in flight at once");
        Assert.True(counting.MaxInFlight >= 2, "the flood did run lookups concurrently");
        // Compaction runs in the background: allow one compaction's worth over the limit.
        Assert.True(cache.Count <= limit * 1.2, $"{cache.Count} entries cached");
        // Stated bound: 64 MB of managed heap growth for 100,000 distinct hosts with a 5,000-entry cache.
        Assert.True(growth < 64L * 1024 * 1024, $"heap grew by {growth / 1024 / 1024} MB");
    }

    /// <summary>The real Redis store, with a count of lookups (and of those in flight at once), optionally held until a gate opens.</summary>
    private sealed class CountingStore(IRouteStore inner, Task? gate = null) : IRouteStore
    {
        private int _calls;
        private int _inFlight;
        private int _max;

        public int Calls => Volatile.Read(ref _calls);

        public int MaxInFlight => Volatile.Read(ref _max);

        public bool IsConnected => inner.IsConnected;

        public async Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (gate is not null)
            {
                await gate;
            }

            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }

            try
            {
                return await inner.ResolveAsync(host, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default) =>
            inner.MarkDeadAsync(route, index, expiresAtUnixMs, cancellationToken);
    }
}

/// <summary>Tests in this collection run with no other test class beside them (they read whole-process figures).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresProcessHeap
{
    public const string Name = "measures the process heap";
}
