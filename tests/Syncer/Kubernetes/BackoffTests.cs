using Entrance.Syncer.Kubernetes;

namespace Entrance.Syncer.Tests.Kubernetes;

public class BackoffTests
{
    [Fact]
    public void Next_RepeatedFailures_DoublesWithJitterUpToMax()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

        var delays = Enumerable.Range(0, 8).Select(_ => backoff.Next().TotalMilliseconds).ToList();

        Assert.InRange(delays[0], 50, 100);
        Assert.InRange(delays[1], 100, 200);
        Assert.InRange(delays[2], 200, 400);
        Assert.All(delays.Skip(4), d => Assert.InRange(d, 500, 1000));
    }

    [Fact]
    public void Next_ManyBackoffs_AreJittered()
    {
        var samples = Enumerable.Range(0, 20).Select(_ => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)).Next()).Distinct().Count();

        Assert.True(samples > 10, "twenty fresh backoffs should not all wait the same");
    }

    [Fact]
    public void Reset_AfterFailures_StartsAgainFromInitial()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
        for (var i = 0; i < 5; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }
}
