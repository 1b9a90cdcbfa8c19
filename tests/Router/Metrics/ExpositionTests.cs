namespace Entrance.Router.Tests.Metrics;

/// <summary>The parser is what validates the exporter's output and the tests' assertions: make sure it is strict.</summary>
public class ExpositionTests
{
    [Theory]
    [InlineData("x 1\n", false)]
    [InlineData("# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\n", true)]
    [InlineData("# HELP x h\n# TYPE x counter\nx{a=1} 1\n", false)]
    [InlineData("# HELP x h\n# TYPE x counter\ny 1\n", false)]
    [InlineData("# HELP x h\n# TYPE x counter\nx 1", false)]
    [InlineData("# HELP 1x h\n", false)]
    public void Parse_Grammar_AcceptsValidRejectsInvalid(string text, bool valid)
    {
        if (valid)
        {
            Exposition.Parse(text);
        }
        else
        {
            Assert.Throws<FormatException>(() => Exposition.Parse(text));
        }
    }

    [Fact]
    public void Value_MissingSeries_FailsInsteadOfReadingZero()
    {
        var parsed = Exposition.Parse("# HELP x h\n# TYPE x gauge\nx{a=\"1\"} 0\n");

        Assert.Equal(0, parsed.Value("x", "a=1"));
        Assert.ThrowsAny<Exception>(() => parsed.Value("x", "a=2"));
        Assert.ThrowsAny<Exception>(() => parsed.Value("nothing"));
        Assert.Equal(0, parsed.ValueOrZero("x", "a=2"));
        Assert.False(parsed.Has("x", "a=2"));
    }
}
