using System.Net;

namespace Entrance.Router.DebugHeaders;

public static class DebugHeadersServiceCollectionExtensions
{
    public static IServiceCollection AddDebugHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DebugHeadersOptions>()
            .Bind(configuration.GetSection(DebugHeadersOptions.Section))
            .Validate(o => o.Networks.All(n => IPNetwork.TryParse(n, out _)), "Entrance:DebugHeaders:TrustedNetworks must be CIDR networks, e.g. 10.0.0.0/8")
            .ValidateOnStart();
        services.AddSingleton<DebugResponseHeaders>();
        return services;
    }
}
