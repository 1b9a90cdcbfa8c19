using Entrance.Core.Schema;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Entrance.Router.Store;

public static class StoreServiceCollectionExtensions
{
    /// <summary>Registers the Redis connection and the route schema reader and change feed.</summary>
    public static IServiceCollection AddRouteStore(this IServiceCollection services)
    {
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EntranceOptions>>().Value;
            return RedisConnection.Connect(options.Redis, options.RedisTimeout);
        });
        services.AddSingleton(sp => new RedisKeys(sp.GetRequiredService<IOptions<EntranceOptions>>().Value.KeyPrefix));
        services.AddSingleton(sp => new RedisRouteStore(
            sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRouteStore>(sp => sp.GetRequiredService<RedisRouteStore>());
        services.AddSingleton<IRouteChangeFeed>(sp => sp.GetRequiredService<RedisRouteStore>());
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
