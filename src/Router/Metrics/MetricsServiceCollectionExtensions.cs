using Entrance.Core.Store;
using Entrance.Hosting.Metrics;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>The router's instruments, their Prometheus export, and Redis round trips metered. Call after <c>AddRouteStore</c>.</summary>
    public static IServiceCollection AddRouterMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>()
            .Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(o => o.RouteLabels >= 0, "Entrance:Metrics:RouteLabels must not be negative")
            .ValidateOnStart();
        services.AddPrometheusExport(configuration);
        services.AddSingleton<RouterMetrics>();

        // Decorate the store registered by AddRouteStore: the last IRouteStore registration wins.
        var store = services.LastOrDefault(d => d.ServiceType == typeof(IRouteStore))
            ?? throw new InvalidOperationException("AddRouterMetrics needs AddRouteStore first");
        services.AddSingleton<IRouteStore>(sp => new MeteredRouteStore(
            (IRouteStore)store.ImplementationFactory!(sp), sp.GetRequiredService<RouterMetrics>()));
        return services;
    }
}
