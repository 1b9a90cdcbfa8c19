using Entrance.Core.Store;
using Entrance.Router.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tests.Metrics;

/// <summary>Pure unit tests with a fake store: a Redis failure is hard to provoke on time with a real server.</summary>
public class MeteredRouteStoreTests
{
    private sealed class FailingStore : IRouteStore
    {
        public bool IsConnected => true;

        public Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default) =>
            Task.FromException<RouteRecord?>(new RouteStoreUnavailableException("Redis did not answer"));

        public Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    [Fact]
    public async Task ResolveAsync_StoreFails_CountedAsErrorWithLatencyAndRethrown()
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        using var metrics = new RouterMetrics(Options.Create(new MetricsOptions()), services);
        using var collector = new PrometheusCollector(metrics.Meter, MetricsOptions.DurationBuckets);
        var store = new MeteredRouteStore(new FailingStore(), metrics);

        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => store.ResolveAsync("a.example.com"));
        await store.MarkDeadAsync(null!, 0, 0);

        var parsed = Exposition.Parse(collector.Render()); // the cache gauges fail here (no RouteCache): the scrape goes on
        Assert.Equal(1, parsed.Value("entrance_redis_commands_total", "op=resolve", "outcome=error"));
        Assert.Equal(0, parsed.Value("entrance_redis_commands_total", "op=resolve", "outcome=ok"));
        Assert.Equal(1, parsed.Value("entrance_redis_commands_total", "op=mark_dead", "outcome=ok"));
        Assert.Equal(1, parsed.Value("entrance_redis_duration_seconds_count", "op=resolve"));
    }
}
