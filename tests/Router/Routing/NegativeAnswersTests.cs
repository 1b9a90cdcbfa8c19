using Entrance.Router.Routing;

namespace Entrance.Router.Tests.Routing;

/// <summary>The fixed table of "no such host" answers: exact per host, bounded whatever is stored, stale on demand.</summary>
public class NegativeAnswersTests
{
    [Fact]
    public void TryGet_StoredHost_ItsTimesOthersAbsent()
    {
        var answers = new NegativeAnswers(1_000);
        answers.Set("a.example.com", 5_000, 100);

        Assert.True(answers.TryGet("a.example.com", out var fresh, out var stored));
        Assert.Equal((5_000, 100), (fresh, stored));
        Assert.False(answers.TryGet("b.example.com", out _, out _));
    }

    [Fact]
    public void Set_FarMoreHostsThanSlots_CountBoundedLatestKept()
    {
        var answers = new NegativeAnswers(1_000);
        for (var i = 0; i < 100_000; i++)
        {
            answers.Set($"h{i}.flood.example.com", 10_000 + i, i);
        }

        Assert.True(answers.Count <= 1_000, $"{answers.Count} slots used");
        Assert.True(answers.Count > 900, $"{answers.Count} slots used"); // two choices per host fill nearly every slot
        Assert.True(answers.TryGet("h99999.flood.example.com", out var fresh, out _));
        Assert.Equal(10_000 + 99_999, fresh);
    }

    [Fact]
    public void MarkAllStale_StoredBefore_StaleLaterFresh()
    {
        var answers = new NegativeAnswers(100);
        answers.Set("old.example.com", 9_000, 1_000);

        answers.MarkAllStale(2_000);
        answers.Set("new.example.com", 9_000, 2_001);

        Assert.True(answers.TryGet("old.example.com", out var oldFresh, out var oldStored));
        Assert.Equal((0, 1_000), (oldFresh, oldStored)); // kept for the stale limit, but no longer fresh
        Assert.True(answers.TryGet("new.example.com", out var newFresh, out _));
        Assert.Equal(9_000, newFresh);
    }

    [Fact]
    public void MarkStaleAndRemove_OneHost_OnlyThatHost()
    {
        var answers = new NegativeAnswers(100);
        answers.Set("a.example.com", 9_000, 1);
        answers.Set("b.example.com", 9_000, 1);
        answers.Set("c.example.com", 9_000, 1);

        answers.MarkStale("a.example.com");
        answers.Remove("b.example.com");

        Assert.True(answers.TryGet("a.example.com", out var a, out _));
        Assert.Equal(0, a);
        Assert.False(answers.TryGet("b.example.com", out _, out _));
        Assert.True(answers.TryGet("c.example.com", out var c, out _));
        Assert.Equal(9_000, c);
        Assert.Equal(2, answers.Count);
    }
}
