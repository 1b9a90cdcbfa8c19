using Entrance.Core.Store;
using Entrance.Router.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>The breaker-and-limiter guard both caches share, on a fake clock.</summary>
public class GuardedLookupsTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private GuardedLookups Guard(int threshold = 1, int concurrent = 4) =>
        new(new StoreCircuitBreaker(threshold, TimeSpan.FromMilliseconds(500), _time), new LookupLimiter(concurrent, TimeSpan.FromSeconds(1), _time));

    private static Task<int> Answer(int value, string _) => Task.FromResult(value);

    private static Task<int> Unavailable(int _, string name) => throw new RouteStoreUnavailableException("down: " + name);

    [Fact]
    public async Task RunAsync_StoreAnswers_ReturnsItsAnswer()
    {
        using var guard = Guard();

        Assert.Equal(7, await guard.RunAsync(true, "a.example.com", 7, Answer));
    }

    [Fact]
    public async Task RunAsync_NotConnected_FailsFastWithoutCalling()
    {
        using var guard = Guard();
        var called = false;

        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => guard.RunAsync(false, "a.example.com", 0, (_, _) =>
        {
            called = true;
            return Task.FromResult(0);
        }));
        Assert.False(called);
    }

    [Fact]
    public async Task RunAsync_StoreUnavailable_OpensBreakerThenProbesAfterBreak()
    {
        using var guard = Guard();
        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => guard.RunAsync(true, "a.example.com", 0, Unavailable));

        Assert.True(guard.BreakerOpen);
        var open = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => guard.RunAsync(true, "a.example.com", 1, Answer));
        Assert.Contains("circuit open", open.Message);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, await guard.RunAsync(true, "a.example.com", 1, Answer));
        Assert.False(guard.BreakerOpen);
    }

    [Fact]
    public async Task RunAsync_ProbeFailsWithDataError_BreakerClosesInsteadOfHangingOnTheProbe()
    {
        using var guard = Guard();
        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => guard.RunAsync(true, "a.example.com", 0, Unavailable));
        _time.Advance(TimeSpan.FromMilliseconds(500));

        // Redis answered with an error about the data (e.g. a key of the wrong type): the store is up.
        await Assert.ThrowsAsync<InvalidOperationException>(() => guard.RunAsync<int, int>(true, "a.example.com", 0, (_, _) => throw new InvalidOperationException("WRONGTYPE")));

        Assert.False(guard.BreakerOpen);
        Assert.Equal(2, await guard.RunAsync(true, "a.example.com", 2, Answer));
    }
}
