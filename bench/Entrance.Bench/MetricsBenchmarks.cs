using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Entrance.Hosting.Metrics;
using Entrance.Router.Metrics;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Entrance.Bench;

/// <summary>
/// What recording one finished request costs, with the Prometheus export (prometheus-net's MeterAdapter) listening
/// and with nothing listening: the difference is the exporter's per-request cost.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private readonly ProxyRequest _request = new() { CacheSource = RouteLookupSource.Cache, BackendStartedAt = 1, BackendTicks = Stopwatch.Frequency / 1000 };
    private ServiceProvider _exported = null!;
    private ServiceProvider _silent = null!;
    private RouterMetrics _exportedMetrics = null!;
    private RouterMetrics _silentMetrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().Build();
        _exported = new ServiceCollection().AddPrometheusExport(configuration).AddSingleton<RouterMetrics>().BuildServiceProvider();
        _exported.GetRequiredService<PrometheusExport>();
        _exportedMetrics = _exported.GetRequiredService<RouterMetrics>();
        _silent = new ServiceCollection().AddMetrics().AddOptions().AddSingleton<RouterMetrics>().BuildServiceProvider();
        _silentMetrics = _silent.GetRequiredService<RouterMetrics>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _exported.Dispose();
        _silent.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void RecordRequest_NothingListening()
    {
        _silentMetrics.RequestStarted();
        _silentMetrics.RequestFinished(_request, 200, Stopwatch.GetTimestamp());
    }

    [Benchmark]
    public void RecordRequest_Exported()
    {
        _exportedMetrics.RequestStarted();
        _exportedMetrics.RequestFinished(_request, 200, Stopwatch.GetTimestamp());
    }
}
