using Entrance.Router.Fleet;

namespace Entrance.Router.HealthChecks;

public static class HealthChecksServiceCollectionExtensions
{
    /// <summary>Active health checks, one of the fleet leader's tasks.</summary>
    public static IServiceCollection AddActiveHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthCheckOptions>()
            .Bind(configuration.GetSection(HealthCheckOptions.Section))
            .Validate(o => o.DiscoveryInterval > TimeSpan.Zero, "Entrance:HealthChecks:DiscoveryInterval must be positive")
            .Validate(o => o.MaxConcurrentProbes > 0, "Entrance:HealthChecks:MaxConcurrentProbes must be positive")
            .ValidateOnStart();
        services.AddSingleton<HealthCheckTask>();
        services.AddSingleton<IFleetTask>(sp => sp.GetRequiredService<HealthCheckTask>());
        return services;
    }
}
