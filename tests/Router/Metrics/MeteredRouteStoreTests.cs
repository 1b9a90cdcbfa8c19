using Entrance.Core.Store;
using Entrance.Router.Metrics;

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
        using var harness = new MetricsHarness();
        var store = new MeteredRouteStore(new FailingStore(), harness.Metrics);

        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => store.ResolveAsync("a.example.com"));
        await store.MarkDeadAsync(null!, 0, 0);

        var parsed = await harness.ScrapeAsync(); // no RouteCache here: the cache gauges stay at 0
        Assert.Equal(1, parsed.Value("entrance_redis_commands_total", "op=resolve", "outcome=error"));
        Assert.False(parsed.Has("entrance_redis_commands_total", "op=resolve", "outcome=ok"), "no successful resolve was made");
        Assert.Equal(1, parsed.Value("entrance_redis_commands_total", "op=mark_dead", "outcome=ok"));
        Assert.Equal(1, parsed.Value("entrance_redis_duration_seconds_count", "op=resolve"));
        Assert.Equal(1, parsed.Value("entrance_redis_duration_seconds_bucket", "op=resolve", "le=60"));
    }
}
