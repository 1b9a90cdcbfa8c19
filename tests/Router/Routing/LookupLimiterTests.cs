using Entrance.Router.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>The lookup limit on a fake clock: the queue timeout passes when the test advances time.</summary>
public class LookupLimiterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task TryEnterAsync_UnderLimit_EntersAtOnce()
    {
        using var limiter = new LookupLimiter(2, TimeSpan.FromSeconds(1), _time);

        Assert.True(await limiter.TryEnterAsync());
        Assert.True(await limiter.TryEnterAsync());
        Assert.Equal(0, limiter.Available);
    }

    [Fact]
    public async Task TryEnterAsync_LimitReached_WaitsForASlot()
    {
        using var limiter = new LookupLimiter(1, TimeSpan.FromSeconds(1), _time);
        Assert.True(await limiter.TryEnterAsync());

        var queued = limiter.TryEnterAsync().AsTask();
        Assert.False(queued.IsCompleted);
        limiter.Exit();

        Assert.True(await queued.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task TryEnterAsync_NoSlotWithinQueueTimeout_TurnedAway()
    {
        using var limiter = new LookupLimiter(1, TimeSpan.FromSeconds(1), _time);
        Assert.True(await limiter.TryEnterAsync());

        var queued = limiter.TryEnterAsync().AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(queued.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(await queued.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, limiter.Available); // the turned-away caller took no slot
        limiter.Exit();
        Assert.Equal(1, limiter.Available);
    }
}
