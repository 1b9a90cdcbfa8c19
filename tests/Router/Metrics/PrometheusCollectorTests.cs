using System.Diagnostics.Metrics;
using Entrance.Router.Metrics;

namespace Entrance.Router.Tests.Metrics;

public class PrometheusCollectorTests
{
    private static readonly double[] Buckets = [0.1, 1];

    [Fact]
    public void Render_Counter_HasHelpTypeAndTotalSuffix()
    {
        using var meter = new Meter("test.counter");
        using var collector = new PrometheusCollector(meter, Buckets);
        var counter = meter.CreateCounter<long>("things", description: "Things seen.");
        counter.Add(2, new KeyValuePair<string, object?>("kind", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("kind", "a"));
        counter.Add(1, new KeyValuePair<string, object?>("kind", "b"));

        var text = collector.Render();

        Assert.Equal(
            "# HELP things_total Things seen.\n# TYPE things_total counter\nthings_total{kind=\"a\"} 5\nthings_total{kind=\"b\"} 1\n",
            text);
        Assert.Equal(5, Exposition.Parse(text).Value("things_total", "kind=a"));
    }

    [Fact]
    public void Render_UntouchedCounterWithoutLabels_ShowsZero()
    {
        using var meter = new Meter("test.zero");
        using var collector = new PrometheusCollector(meter, Buckets);
        meter.CreateCounter<long>("idle", description: "Never moves.");

        Assert.Equal("# HELP idle_total Never moves.\n# TYPE idle_total counter\nidle_total 0\n", collector.Render());
    }

    [Fact]
    public void Render_Histogram_CumulativeBucketsSumAndCount()
    {
        using var meter = new Meter("test.histogram");
        using var collector = new PrometheusCollector(meter, Buckets);
        var histogram = meter.CreateHistogram<double>("latency_seconds", "s", "Latency.");
        histogram.Record(0.05);
        histogram.Record(0.5);
        histogram.Record(0.5);
        histogram.Record(7);

        var text = collector.Render();

        Assert.Equal(
            "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n" +
            "latency_seconds_bucket{le=\"0.1\"} 1\nlatency_seconds_bucket{le=\"1\"} 3\nlatency_seconds_bucket{le=\"+Inf\"} 4\n" +
            "latency_seconds_sum 8.05\nlatency_seconds_count 4\n",
            text);
        var parsed = Exposition.Parse(text);
        Assert.Equal("histogram", parsed.Types["latency_seconds"]);
        Assert.Equal(4, parsed.Value("latency_seconds_count"));
    }

    [Fact]
    public void Render_LabelledHistogram_LabelsBeforeLe()
    {
        using var meter = new Meter("test.labelled");
        using var collector = new PrometheusCollector(meter, Buckets);
        var histogram = meter.CreateHistogram<double>("op_seconds", "s", "Per op.");
        histogram.Record(0.2, new KeyValuePair<string, object?>("op", "resolve"));

        var text = collector.Render();

        Assert.Contains("op_seconds_bucket{op=\"resolve\",le=\"1\"} 1\n", text);
        Assert.Contains("op_seconds_count{op=\"resolve\"} 1\n", text);
        Assert.Equal(1, Exposition.Parse(text).Value("op_seconds_bucket", "op=resolve", "le=+Inf"));
    }

    [Fact]
    public void Render_LabelValueWithQuoteBackslashNewline_IsEscaped()
    {
        using var meter = new Meter("test.escape");
        using var collector = new PrometheusCollector(meter, Buckets);
        var counter = meter.CreateCounter<long>("odd", description: "Help with \\ and\nnewline.");
        counter.Add(1, new KeyValuePair<string, object?>("v", "a\"b\\c\nd"));

        var text = collector.Render();

        Assert.Contains("odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n", text);
        Assert.Contains("# HELP odd_total Help with \\\\ and\\nnewline.\n", text);
        Assert.Equal(1, Exposition.Parse(text).Value("odd_total", "v=a\"b\\c\nd"));
    }

    [Fact]
    public void Render_UpDownCounterAndObservableGauge_AreGauges()
    {
        using var meter = new Meter("test.gauge");
        using var collector = new PrometheusCollector(meter, Buckets);
        var open = meter.CreateUpDownCounter<long>("open", description: "Open.");
        open.Add(3);
        open.Add(-1);
        var level = 2.5;
        meter.CreateObservableGauge("level", () => level, description: "Level.");

        var parsed = Exposition.Parse(collector.Render());
        level = 4;
        var again = Exposition.Parse(collector.Render());

        Assert.Equal("gauge", parsed.Types["open"]);
        Assert.Equal(2, parsed.Value("open"));
        Assert.Equal("gauge", parsed.Types["level"]);
        Assert.Equal(2.5, parsed.Value("level"));
        Assert.Equal(4, again.Value("level"));
    }

    [Fact]
    public void Render_OtherMeterWithSameName_IsIgnored()
    {
        using var mine = new Meter("test.same");
        using var other = new Meter("test.same");
        using var collector = new PrometheusCollector(mine, Buckets);
        mine.CreateCounter<long>("mine").Add(1);
        other.CreateCounter<long>("theirs").Add(1);

        var text = collector.Render();

        Assert.Contains("mine_total 1", text);
        Assert.DoesNotContain("theirs", text);
    }

    [Fact]
    public async Task Add_ConcurrentWriters_NoIncrementLost()
    {
        using var meter = new Meter("test.concurrent");
        using var collector = new PrometheusCollector(meter, Buckets);
        var counter = meter.CreateCounter<long>("hits");
        var histogram = meter.CreateHistogram<double>("h");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("code", "2xx"));
                histogram.Record(0.5);
            }
        })));

        var parsed = Exposition.Parse(collector.Render());
        Assert.Equal(40_000, parsed.Value("hits_total", "code=2xx"));
        Assert.Equal(40_000, parsed.Value("h_count"));
        Assert.Equal(20_000, parsed.Value("h_sum"));
    }

    [Fact]
    public void Get_MoreNamesThanLimit_RestShareOther()
    {
        var labels = new BoundedLabels(2);

        Assert.Equal("a", labels.Get("a"));
        Assert.Equal("b", labels.Get("b"));
        Assert.Equal(BoundedLabels.Other, labels.Get("c"));
        Assert.Equal("a", labels.Get("a"));
    }

    [Theory]
    [InlineData("x 1\n", false)]
    [InlineData("# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\n", true)]
    [InlineData("# HELP x h\n# TYPE x counter\nx{a=1} 1\n", false)]
    [InlineData("# HELP x h\n# TYPE x counter\ny 1\n", false)]
    [InlineData("# HELP x h\n# TYPE x counter\nx 1", false)]
    [InlineData("# HELP 1x h\n", false)]
    public void Parse_Grammar_AcceptsValidRejectsInvalid(string text, bool valid)
    {
        // The parser is what validates the router's output: make sure it does reject bad input.
        if (valid)
        {
            Exposition.Parse(text);
        }
        else
        {
            Assert.Throws<FormatException>(() => Exposition.Parse(text));
        }
    }
}
