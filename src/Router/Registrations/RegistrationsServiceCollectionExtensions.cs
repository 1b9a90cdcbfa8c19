using Entrance.Core.Store;
using Entrance.Router.Fleet;

namespace Entrance.Router.Registrations;

public static class RegistrationsServiceCollectionExtensions
{
    /// <summary>The cleanup of expired registrations, run by whichever router leads the fleet.</summary>
    public static IServiceCollection AddRegistrationCleanup(this IServiceCollection services)
    {
        services.AddSingleton(sp => new RegistrationExpiry(sp.GetRequiredService<RedisConnection>()));
        services.AddSingleton<IFleetTask, RegistrationCleanupTask>();
        return services;
    }
}
