namespace Entrance.Hosting.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>Prometheus export of the meters named in <c>Entrance:Metrics:Meters</c> (see <see cref="MetricsExportOptions"/>).</summary>
    public static IServiceCollection AddPrometheusExport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics(); // IMeterFactory: meters created through it are this host's own
        services.AddOptions<MetricsExportOptions>()
            .Bind(configuration.GetSection(MetricsExportOptions.Section))
            .Validate(o => o.Meters.All(m => !string.IsNullOrWhiteSpace(m)), "Entrance:Metrics:Meters must not hold an empty name")
            .ValidateOnStart();
        services.AddSingleton<PrometheusExport>();
        return services;
    }
}
