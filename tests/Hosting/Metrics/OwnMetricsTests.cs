using Entrance.Hosting.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Entrance.Hosting.Tests.Metrics;

/// <summary>Metrics created on <see cref="PrometheusExport.Factory"/> (Entrance's own): real Prometheus types, one registry per host.</summary>
public sealed class OwnMetricsTests : IDisposable
{
    private readonly List<ServiceProvider> _containers = [];

    private PrometheusExport Start()
    {
        var services = new ServiceCollection().AddPrometheusExport(new ConfigurationBuilder().Build()).BuildServiceProvider();
        _containers.Add(services);
        return services.GetRequiredService<PrometheusExport>();
    }

    public void Dispose() => _containers.ForEach(c => c.Dispose());

    [Fact]
    public async Task Render_FactoryCounterAndGauge_TypedCounterAndGauge()
    {
        var export = Start();
        var counter = export.Factory.CreateCounter("own_things_total", "Things seen.", ["kind"]);
        counter.WithLabels("a").Inc(2);
        export.Factory.CreateGauge("own_level", "A level.").Set(4);

        var text = await export.RenderAsync();

        Assert.Contains("# HELP own_things_total Things seen.\n# TYPE own_things_total counter\nown_things_total{kind=\"a\"} 2\n", text);
        Assert.Contains("# TYPE own_level gauge\nown_level 4\n", text);
    }

    [Fact]
    public async Task Render_FactoryHistogramWithDurationBuckets_DocumentedBounds()
    {
        var export = Start();
        var histogram = export.Factory.CreateHistogram("own_latency_seconds", "Latency.", new HistogramConfiguration { Buckets = MetricsExportOptions.DurationBuckets });
        histogram.Observe(0.003);

        var text = await export.RenderAsync();

        Assert.Contains("# TYPE own_latency_seconds histogram\n", text);
        Assert.Contains("own_latency_seconds_bucket{le=\"0.0025\"} 0\n", text);
        Assert.Contains("own_latency_seconds_bucket{le=\"0.005\"} 1\n", text);
        Assert.Contains("own_latency_seconds_bucket{le=\"+Inf\"} 1\n", text);
        Assert.Equal(MetricsExportOptions.DurationBuckets.Length + 1, text.Split('\n').Count(l => l.StartsWith("own_latency_seconds_bucket{", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Render_SameMetricInTwoHosts_EachItsOwnAndNoneInDefaultRegistry()
    {
        var mine = Start();
        var theirs = Start();
        mine.Factory.CreateCounter("own_shared_total", "Shared name.").Inc(1);
        theirs.Factory.CreateCounter("own_shared_total", "Shared name.").Inc(5);

        Assert.Contains("own_shared_total 1\n", await mine.RenderAsync());
        Assert.Contains("own_shared_total 5\n", await theirs.RenderAsync());
        using var scrape = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(scrape);
        Assert.DoesNotContain("own_shared_total", System.Text.Encoding.UTF8.GetString(scrape.ToArray()));
    }

    [Fact]
    public void DefaultMeters_EntranceOwnMeters_NotThroughMeterAdapter()
    {
        Assert.DoesNotContain("Entrance", MetricsExportOptions.DefaultMeters);
        Assert.DoesNotContain("Entrance.Syncer", MetricsExportOptions.DefaultMeters);
    }
}
