using Entrance.Hosting.Admin;
using Entrance.Router.Configuration;

namespace Entrance.Router.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// The shared admin listener (<c>Entrance:AdminUrls</c>): health, readiness as the router judges it, metrics, and the
    /// router's own route introspection.
    /// </summary>
    public static IServiceCollection AddAdminListener(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddAdminEndpoints<Readiness>()
            .AddAdminRoute<RouteReport>()
            .AddAdminListener(configuration.GetSection(EntranceOptions.Section), "Entrance:AdminUrls");
}
