using Entrance.Core.Store;

namespace Entrance.Router.Fleet;

public static class FleetServiceCollectionExtensions
{
    /// <summary>The fleet lease and the runner of every registered <see cref="IFleetTask"/>.</summary>
    public static IServiceCollection AddFleet(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FleetOptions>()
            .Bind(configuration.GetSection(FleetOptions.Section))
            .Validate(o => o.Tick > TimeSpan.Zero, "Entrance:Fleet:Tick must be positive")
            .Validate(o => o.LeaseDuration >= 2 * o.Tick, "Entrance:Fleet:LeaseDuration must be at least twice Entrance:Fleet:Tick (the lease is renewed every tick)")
            .ValidateOnStart();
        services.AddSingleton<IFleetLeaseStore>(sp => new FleetLeaseStore(sp.GetRequiredService<RedisConnection>()));
        services.AddSingleton<FleetMetrics>();
        services.AddSingleton<FleetRunner>();
        services.AddHostedService(sp =>
        {
            sp.GetRequiredService<FleetMetrics>(); // its leader gauge shows from the first scrape
            return sp.GetRequiredService<FleetRunner>();
        });
        return services;
    }
}
