using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Store;

public static class StoreServiceCollectionExtensions
{
    /// <summary>Registers the Redis connection and the route schema reader and change feed.</summary>
    public static IServiceCollection AddRouteStore(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EntranceOptions>>().Value;
            return RedisConnection.Connect(options.Redis, options.KeyPrefix, options.RedisTimeout, options.RedisClient);
        });
        services.AddSingleton(sp => new RedisRouteStore(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRouteStore>(sp => sp.GetRequiredService<RedisRouteStore>());
        services.AddSingleton<IRouteChangeFeed>(sp => sp.GetRequiredService<RedisRouteStore>());
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
