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
/// What recording one finished request costs on the router's prometheus-net metrics (pre-resolved counter children and
/// two histogram observations), next to reading the clock alone.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private readonly ProxyRequest _request = new() { CacheSource = RouteLookupSource.Cache, BackendStartedAt = 1, BackendTicks = Stopwatch.Frequency / 1000 };
    private ServiceProvider _services = null!;
    private RouterMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().Build();
        _services = new ServiceCollection().AddPrometheusExport(configuration).AddOptions().AddSingleton<RouterMetrics>().BuildServiceProvider();
        _metrics = _services.GetRequiredService<RouterMetrics>();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public long ClockOnly() => Stopwatch.GetTimestamp();

    [Benchmark]
    public void RecordRequest()
    {
        _metrics.RequestStarted();
        _metrics.RequestFinished(_request, 200, Stopwatch.GetTimestamp());
    }
}
