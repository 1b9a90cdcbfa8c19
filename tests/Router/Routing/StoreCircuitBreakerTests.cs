using Entrance.Router.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>The breaker on a fake clock: the break is waited out by advancing time, never by sleeping.</summary>
public class StoreCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private StoreCircuitBreaker Breaker(int threshold = 3) => new(threshold, TimeSpan.FromMilliseconds(500), _time);

    private static void Fail(StoreCircuitBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.True(breaker.TryEnter());
            breaker.Failure();
        }
    }

    [Fact]
    public void TryEnter_FailuresBelowThreshold_StaysClosed()
    {
        var breaker = Breaker();
        Fail(breaker, 2);

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void TryEnter_ThresholdFailuresInARow_OpensAndFailsFast()
    {
        var breaker = Breaker();
        Fail(breaker, 3);

        Assert.True(breaker.IsOpen);
        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void TryEnter_SuccessBetweenFailures_CountStartsOver()
    {
        var breaker = Breaker();
        Fail(breaker, 2);
        breaker.Success();
        Fail(breaker, 2);

        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void TryEnter_BreakOver_ExactlyOneProbe()
    {
        var breaker = Breaker();
        Fail(breaker, 3);

        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.True(breaker.TryEnter());
        Assert.False(breaker.TryEnter()); // the probe is out: everyone else still fails fast
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void Success_AfterProbe_Closes()
    {
        var breaker = Breaker();
        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(breaker.TryEnter());

        breaker.Success();

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryEnter());
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Failure_OfProbe_OpensForAnotherBreak()
    {
        var breaker = Breaker();
        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(breaker.TryEnter());

        breaker.Failure();

        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Abandon_ProbeMadeNoCall_NextCallerMayProbe()
    {
        var breaker = Breaker();
        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(breaker.TryEnter());

        breaker.Abandon();

        Assert.True(breaker.IsOpen);
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void TryEnter_ThresholdOne_OpensOnFirstFailure()
    {
        var breaker = Breaker(threshold: 1);
        Fail(breaker, 1);

        Assert.False(breaker.TryEnter());
    }

    [Theory]
    [InlineData(0, 500)]
    [InlineData(3, 0)]
    public void Constructor_NotPositive_Throws(int threshold, int breakMs)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StoreCircuitBreaker(threshold, TimeSpan.FromMilliseconds(breakMs), _time));
    }
}
