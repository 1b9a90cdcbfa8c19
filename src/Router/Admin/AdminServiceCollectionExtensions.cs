using Entrance.Router.Configuration;
using Entrance.Router.Metrics;

namespace Entrance.Router.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>The admin listener (<c>Entrance:AdminUrls</c>) with health, readiness, metrics and route introspection.</summary>
    public static IServiceCollection AddAdminListener(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdminOptions>()
            .Bind(configuration.GetSection(EntranceOptions.Section))
            .Validate(o => !o.Enabled || o.Urls.All(u => Uri.TryCreate(u.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out _)),
                "Entrance:AdminUrls must be URLs separated by ';' (e.g. http://127.0.0.1:8081), or off")
            .ValidateOnStart();
        services.AddSingleton<Readiness>();
        services.AddSingleton<RouteReport>();
        services.AddSingleton<AdminEndpoints>();
        services.AddSingleton<AdminServer>();
        services.AddHostedService(sp =>
        {
            sp.GetRequiredService<PrometheusCollector>(); // listening from the start, so no early measurement is lost
            return sp.GetRequiredService<AdminServer>();
        });
        return services;
    }
}
