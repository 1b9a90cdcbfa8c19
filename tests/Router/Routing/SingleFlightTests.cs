using Entrance.Router.Routing;

namespace Entrance.Router.Tests.Routing;

/// <summary>Single flight with runs the test completes by hand: no timing involved.</summary>
public class SingleFlightTests
{
    private readonly SingleFlight<string> _flight = new();
    private int _runs;

    private Task<string> Run(string key, TaskCompletionSource<string> gate) =>
        _flight.RunAsync(key, gate, (_, g) =>
        {
            Interlocked.Increment(ref _runs);
            return g.Task;
        });

    [Fact]
    public async Task RunAsync_ConcurrentCallsForOneKey_OneRunSharedResult()
    {
        var gate = new TaskCompletionSource<string>();
        var calls = Enumerable.Range(0, 10).Select(_ => Run("a", gate)).ToArray();

        Assert.Equal(1, _runs);
        Assert.Equal(1, _flight.InFlight);
        Assert.All(calls, c => Assert.False(c.IsCompleted));
        gate.SetResult("answer");

        Assert.All(await Task.WhenAll(calls), r => Assert.Equal("answer", r));
        Assert.Equal(0, _flight.InFlight);
    }

    [Fact]
    public async Task RunAsync_DifferentKeys_RunSeparately()
    {
        var a = new TaskCompletionSource<string>();
        var b = new TaskCompletionSource<string>();
        var first = Run("a", a);
        var second = Run("b", b);

        Assert.Equal(2, _runs);
        a.SetResult("A");
        b.SetResult("B");
        Assert.Equal("A", await first);
        Assert.Equal("B", await second);
    }

    [Fact]
    public async Task RunAsync_RunFails_EveryCallerGetsTheExceptionAndNextCallRunsAgain()
    {
        var gate = new TaskCompletionSource<string>();
        var leader = Run("a", gate);
        var joiner = Run("a", gate);
        gate.SetException(new InvalidOperationException("redis down"));

        Assert.Equal("redis down", (await Assert.ThrowsAsync<InvalidOperationException>(() => leader)).Message);
        Assert.Equal("redis down", (await Assert.ThrowsAsync<InvalidOperationException>(() => joiner)).Message);
        Assert.Equal(0, _flight.InFlight);

        var again = new TaskCompletionSource<string>();
        var next = Run("a", again);
        again.SetResult("back");
        Assert.Equal("back", await next);
        Assert.Equal(2, _runs);
    }

    [Fact]
    public async Task RunAsync_AfterRunFinished_RunsAgain()
    {
        var first = new TaskCompletionSource<string>();
        first.SetResult("one");
        Assert.Equal("one", await Run("a", first));

        var second = new TaskCompletionSource<string>();
        second.SetResult("two");
        Assert.Equal("two", await Run("a", second));
        Assert.Equal(2, _runs);
    }
}
