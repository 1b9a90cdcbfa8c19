using Entrance.Core.Store;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>The router's instruments, the Prometheus collector over them, and Redis round trips metered. Call after <c>AddRouteStore</c>.</summary>
    public static IServiceCollection AddRouterMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>()
            .Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(o => o.RouteLabels >= 0, "Entrance:Metrics:RouteLabels must not be negative")
            .ValidateOnStart();
        services.AddSingleton<RouterMetrics>();
        services.AddSingleton(sp => new PrometheusCollector(sp.GetRequiredService<RouterMetrics>().Meter, MetricsOptions.DurationBuckets));

        // Decorate the store registered by AddRouteStore: the last IRouteStore registration wins.
        var store = services.LastOrDefault(d => d.ServiceType == typeof(IRouteStore))
            ?? throw new InvalidOperationException("AddRouterMetrics needs AddRouteStore first");
        services.AddSingleton<IRouteStore>(sp => new MeteredRouteStore(
            (IRouteStore)store.ImplementationFactory!(sp), sp.GetRequiredService<RouterMetrics>()));
        return services;
    }
}
