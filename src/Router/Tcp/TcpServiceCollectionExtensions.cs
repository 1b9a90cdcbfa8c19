using Entrance.Core.Store;
using Entrance.Hosting.Admin;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tcp;

public static class TcpServiceCollectionExtensions
{
    /// <summary>
    /// L4 TCP routes (<c>Entrance:Tcp</c>): listeners, the port → route cache and its invalidations, metrics and
    /// <c>/routes/tcp/…</c>. Call after <c>AddRouteStore</c> and before <c>AddAdminListener</c> (so <c>/routes/tcp/</c>
    /// is matched before <c>/routes/</c>).
    /// </summary>
    public static IServiceCollection AddTcpRoutes(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new TcpOptions();
        options.BindFrom(configuration);
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(TcpOptions.Section, typeof(TcpOptions), problems);
        }

        services.AddOptions<TcpOptions>().Configure(o => o.BindFrom(configuration));
        services.AddSingleton(sp => new TcpRouteStore(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TcpRouteCache>();
        services.AddSingleton<TcpMetrics>();
        services.AddSingleton<TcpConnectionHandler>();
        services.AddSingleton<TcpListeners>();
        services.AddSingleton<TcpRouteReport>();
        services.AddSingleton<IAdminRoute>(sp => sp.GetRequiredService<TcpRouteReport>());
        if (options.ParsePorts().Count > 0)
        {
            services.AddHostedService(sp => sp.GetRequiredService<TcpListeners>());
            services.AddHostedService<TcpInvalidation>();
        }

        return services;
    }
}
