using Entrance.Core.Store;
using Entrance.Router.Tcp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Entrance.Router.Tests.Tcp;

public sealed class TcpRouteEntryTests
{
    private static TcpRouteEntry Entry(string lb, Dictionary<string, long>? dead = null, TcpPortState? state = null) => new(
        new TcpRouteRecord(30001, ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"], new Dictionary<string, string> { ["lb"] = lb }, dead ?? []),
        state ?? new TcpPortState(30001), new TcpOptions(), NullLogger.Instance);

    [Fact]
    public void Order_RoundRobin_EachBackendFirstInTurn()
    {
        var entry = Entry("round-robin");

        var firsts = Enumerable.Range(0, 6).Select(_ => entry.Order(0)[0].Address).ToList();

        Assert.Equal(2, firsts.Count(f => f == "127.0.0.1:1"));
        Assert.Equal(2, firsts.Count(f => f == "127.0.0.1:2"));
        Assert.Equal(3, entry.Order(0).Length); // the others follow, to try on a connect failure
    }

    [Fact]
    public void Order_LeastConnections_FewestOpenFirst()
    {
        var entry = Entry("least-connections");
        entry.Backends[0].Load.Enter();
        entry.Backends[2].Load.Enter();

        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal("127.0.0.1:2", entry.Order(0)[0].Address));
    }

    [Fact]
    public void Order_DeadMarks_SkippedUntilTheyLapse()
    {
        var entry = Entry("random", new Dictionary<string, long> { ["127.0.0.1:2"] = 1_000 });

        Assert.DoesNotContain(entry.Order(999), b => b.Address == "127.0.0.1:2");
        Assert.Contains(entry.Order(1_000), b => b.Address == "127.0.0.1:2");
    }

    [Fact]
    public void Order_AllDead_AllTriedAnyway()
    {
        var state = new TcpPortState(30001);
        var entry = Entry("random", state: state);
        foreach (var b in entry.Backends)
        {
            state.LocalDeadUntil[b.Address] = long.MaxValue;
        }

        Assert.Equal(3, entry.Order(0).Length);
    }

    [Fact]
    public void TryEnter_AtLimit_Refused()
    {
        var state = new TcpPortState(30001);

        Assert.True(state.TryEnter(2));
        Assert.True(state.TryEnter(2));
        Assert.False(state.TryEnter(2));
        state.Exit();
        Assert.True(state.TryEnter(2));
        Assert.True(new TcpPortState(1).TryEnter(0)); // 0: no route limit
    }
}
