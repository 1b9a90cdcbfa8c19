using System.Diagnostics.Metrics;
using Entrance.Hosting.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Entrance.Hosting.Tests.Metrics;

/// <summary>
/// How the export, as set up here, names and shapes what it exports (docs/operations.md relies on it): Entrance's own
/// prometheus-net metrics, and foreign meters through prometheus-net's MeterAdapter.
/// </summary>
public sealed class PrometheusExportTests : IDisposable
{
    private const string TestMeter = "Test.Meter";
    private const string TestMeterListed = "Entrance:Metrics:Meters:0=" + TestMeter;

    private readonly List<ServiceProvider> _containers = [];

    private (PrometheusExport Export, IMeterFactory Meters) Start(params string[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1])))
            .Build();
        var services = new ServiceCollection().AddPrometheusExport(configuration).BuildServiceProvider();
        _containers.Add(services);
        return (services.GetRequiredService<PrometheusExport>(), services.GetRequiredService<IMeterFactory>());
    }

    public void Dispose() => _containers.ForEach(c => c.Dispose());

    [Fact]
    public async Task Render_MeterCounter_MeterPrefixNoSuffixAddedExportedAsGauge()
    {
        var (export, meters) = Start(TestMeterListed);
        var meter = meters.Create(TestMeter);
        var counter = meter.CreateCounter<long>("things_total", description: "Things seen.");
        counter.Add(2, new KeyValuePair<string, object?>("kind", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("kind", "a"));

        var text = await export.RenderAsync();

        Assert.Contains("# HELP test_meter_things_total Things seen. (Counter`1)\n# TYPE test_meter_things_total gauge\ntest_meter_things_total{kind=\"a\"} 5\n", text);
    }

    [Fact]
    public async Task Render_DottedNamesAndTags_UnderscoresLabelsSortedByName()
    {
        var (export, meters) = Start("Entrance:Metrics:Meters:0=My.Meter");
        var counter = meters.Create("My.Meter").CreateCounter<long>("http.requests");
        counter.Add(1, new KeyValuePair<string, object?>("z-tag", "1"), new KeyValuePair<string, object?>("a.tag", "2"));

        var text = await export.RenderAsync();

        Assert.Contains("my_meter_http_requests{a_tag=\"2\",z_tag=\"1\"} 1\n", text);
    }

    [Fact]
    public async Task Render_SecondsHistogram_DocumentedBucketsOthersDefault()
    {
        var (export, meters) = Start(TestMeterListed);
        var meter = meters.Create(TestMeter);
        meter.CreateHistogram<double>("latency_seconds", "s").Record(0.003);
        meter.CreateHistogram<long>("size_bytes", "By").Record(3);

        var text = await export.RenderAsync();

        Assert.Contains("# TYPE test_meter_latency_seconds histogram\n", text);
        Assert.Contains("test_meter_latency_seconds_bucket{le=\"0.0025\"} 0\n", text);
        Assert.Contains("test_meter_latency_seconds_bucket{le=\"0.005\"} 1\n", text);
        Assert.Contains("test_meter_latency_seconds_bucket{le=\"60\"} 1\n", text);
        Assert.Contains("test_meter_latency_seconds_bucket{le=\"+Inf\"} 1\n", text);
        Assert.Equal(MetricsExportOptions.DurationBuckets.Length + 1, text.Split('\n').Count(l => l.StartsWith("test_meter_latency_seconds_bucket{", StringComparison.Ordinal)));
        Assert.DoesNotContain("test_meter_size_bytes_bucket{le=\"0.0025\"}", text);
        Assert.Contains("test_meter_size_bytes_bucket{le=\"4\"} 1\n", text);
    }

    [Fact]
    public async Task Render_ObservableInstruments_ReadAtScrape()
    {
        var (export, meters) = Start(TestMeterListed);
        var level = 2.5;
        var total = 7L;
        var meter = meters.Create(TestMeter);
        meter.CreateObservableGauge("level", () => level);
        meter.CreateObservableCounter("done_total", () => total);

        Assert.Contains("test_meter_level 2.5\n", await export.RenderAsync());
        level = 4;
        total = 9;
        var again = await export.RenderAsync();

        Assert.Contains("test_meter_level 4\n", again);
        Assert.Contains("test_meter_done_total 9\n", again);
    }

    [Fact]
    public async Task Render_SameMeterNameInAnotherHost_NotExported()
    {
        var (mine, myMeters) = Start(TestMeterListed);
        var (_, theirMeters) = Start(TestMeterListed);
        myMeters.Create(TestMeter).CreateCounter<long>("mine_total").Add(1);
        theirMeters.Create(TestMeter).CreateCounter<long>("theirs_total").Add(1);
        new Meter(TestMeter).CreateCounter<long>("unscoped_total").Add(1); // a static meter of that name: process-wide, exported

        var text = await mine.RenderAsync();

        Assert.Contains("test_meter_mine_total 1\n", text);
        Assert.DoesNotContain("theirs", text);
    }

    [Fact]
    public async Task Render_MeterNotListed_NotExported()
    {
        var (export, meters) = Start();
        meters.Create("Microsoft.AspNetCore.Hosting").CreateCounter<long>("requests").Add(1);
        meters.Create("System.Net.Http").CreateCounter<long>("requests").Add(1);

        var text = await export.RenderAsync();

        Assert.DoesNotContain("microsoft_aspnetcore_hosting", text);
        Assert.DoesNotContain("system_net_http", text);
        Assert.Contains("system_runtime_dotnet_gc_heap_total_allocated ", text); // System.Runtime is a default meter
        Assert.Contains("process_cpu_seconds_total ", text); // prometheus-net's own process collector
    }

    [Fact]
    public async Task Render_MetersSetting_ReplacesTheDefaultList()
    {
        var (export, meters) = Start("Entrance:Metrics:Meters:0=Microsoft.AspNetCore.Hosting");
        meters.Create("Microsoft.AspNetCore.Hosting").CreateCounter<long>("requests").Add(1);
        meters.Create("Entrance").CreateCounter<long>("mine_total").Add(1);

        var text = await export.RenderAsync();

        Assert.Contains("microsoft_aspnetcore_hosting_requests 1\n", text);
        Assert.DoesNotContain("entrance_mine_total", text);
        Assert.DoesNotContain("system_runtime_", text);
    }

    [Fact]
    public async Task Export_MeterNotListed_NotEvenListenedTo()
    {
        // Per-request meters left out must cost nothing: no listener (ours, or prometheus-net's default one, which
        // would listen to every meter) enables their instruments.
        var (export, meters) = Start();
        var hosting = meters.Create("Microsoft.AspNetCore.Hosting").CreateCounter<long>("requests");
        var listed = meters.Create("Microsoft.AspNetCore.Server.Kestrel").CreateCounter<long>("listed_total");
        await export.RenderAsync();
        using var defaultRegistryScrape = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(defaultRegistryScrape);

        Assert.False(hosting.Enabled);
        Assert.True(listed.Enabled);
    }
}
