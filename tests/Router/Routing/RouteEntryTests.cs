using Entrance.Core.Store;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Routing;

namespace Entrance.Router.Tests.Routing;

public class RouteEntryTests
{
    private static RouteEntry Entry(params long[] deadUntil)
    {
        var urls = deadUntil.Select((_, i) => $"http://10.0.0.{i + 1}:80").ToArray();
        var record = new RouteRecord("a.example.com", "entrance:backends:a.example.com", RouteSchema.Native, urls, new Dictionary<string, string>(), []);
        return new RouteEntry(record, urls.Select(u => new BackendState(u)).ToArray(), Enumerable.Range(0, urls.Length).ToArray(), deadUntil, new RandomPolicy());
    }

    [Fact]
    public void Live_OneDead_LeavesItOut()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entry = Entry(0, now + 60_000, 0);

        var live = entry.Live(now, out var panic);

        Assert.False(panic);
        Assert.Equal(["http://10.0.0.1:80", "http://10.0.0.3:80"], live.Select(b => b.Url));
    }

    [Fact]
    public void Live_DeadMarkExpired_BackInRotation()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entry = Entry(0, now + 1_000);

        Assert.Single(entry.Live(now, out _));
        Assert.Equal(2, entry.Live(now + 1_001, out _).Length);
    }

    [Fact]
    public void Live_AllDead_PanicWithEveryBackend()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entry = Entry(now + 60_000, now + 60_000);

        var live = entry.Live(now, out var panic);

        Assert.True(panic);
        Assert.Equal(2, live.Length);
    }

    [Fact]
    public void MarkDead_AlreadyMarked_ReturnsFalse()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entry = Entry(0, 0);

        Assert.True(entry.MarkDead(entry.Backends[0], now + 30_000));
        Assert.False(entry.MarkDead(entry.Backends[0], now + 30_000));
        Assert.Single(entry.Live(now, out _));
    }

    [Fact]
    public void MarkDead_StillFailing_RenewedOnlyOnceHalfThePeriodIsLeft()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entry = Entry(0);

        Assert.True(entry.MarkDead(entry.Backends[0], now + 30_000, renewWithinMs: 15_000));
        Assert.False(entry.MarkDead(entry.Backends[0], now + 2_000 + 30_000, renewWithinMs: 15_000)); // 28 s left
        Assert.False(entry.MarkDead(entry.Backends[0], now + 15_000 + 30_000, renewWithinMs: 15_000)); // 15 s left
        Assert.True(entry.MarkDead(entry.Backends[0], now + 16_000 + 30_000, renewWithinMs: 15_000)); // 14 s left: renewed
        Assert.False(entry.MarkDead(entry.Backends[0], now + 17_000 + 30_000, renewWithinMs: 15_000));
    }

    [Fact]
    public void ShouldLogPanic_RepeatedCalls_OnceEveryTenSeconds()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entry = Entry(0);

        Assert.True(entry.ShouldLogPanic(now));
        Assert.False(entry.ShouldLogPanic(now));
        Assert.False(entry.ShouldLogPanic(now + 9_999));
        Assert.True(entry.ShouldLogPanic(now + 10_000));
        Assert.False(entry.ShouldLogPanic(now + 10_001));
    }
}
