using Entrance.Hosting.Metrics;
using Entrance.Router.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Entrance.Router.Tests.Metrics;

/// <summary>RouterMetrics and its Prometheus export in a container of their own, without a router (no RouteCache).</summary>
public sealed class MetricsHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public MetricsHarness(params string[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1])))
            .Build();
        var services = new ServiceCollection();
        services.AddPrometheusExport(configuration);
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section));
        services.AddSingleton<RouterMetrics>();
        _services = services.BuildServiceProvider();
        Export = _services.GetRequiredService<PrometheusExport>();
        Metrics = _services.GetRequiredService<RouterMetrics>();
    }

    public RouterMetrics Metrics { get; }

    public PrometheusExport Export { get; }

    public async Task<Exposition> ScrapeAsync() => Exposition.Parse(await Export.RenderAsync());

    public void Dispose() => _services.Dispose();
}
