namespace Entrance.Router.Routing;

public static class RoutingServiceCollectionExtensions
{
    public static IServiceCollection AddRouteCache(this IServiceCollection services)
    {
        services.AddSingleton<BackendRegistry>();
        services.AddSingleton<RouteCache>();
        return services;
    }
}
