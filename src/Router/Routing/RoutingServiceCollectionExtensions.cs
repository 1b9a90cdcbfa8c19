using Entrance.Core.Store;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Entrance.Router.Routing;

public static class RoutingServiceCollectionExtensions
{
    public static IServiceCollection AddRouteCache(this IServiceCollection services)
    {
        // The one clock of the request path (cache TTL, stale limit, breaker, dead marks, panic-log throttle);
        // tests replace it with a FakeTimeProvider.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BackendRegistry>();
        // The store's own index: its lookups read it, the cache feeds it the changes it is told of.
        services.TryAddSingleton(sp => sp.GetRequiredService<RedisRouteStore>().KnownNames);
        services.AddSingleton<RouteCache>();
        services.AddHostedService<WildcardIndexRefresher>();
        return services;
    }
}
