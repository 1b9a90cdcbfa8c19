using Entrance.Hosting.Admin;
using Entrance.Hosting.Metrics;

namespace Entrance.Syncer.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>The shared admin paths (<c>/healthz</c>, <c>/readyz</c> as the Syncer judges it, <c>/metrics</c>) and the Syncer's metrics.</summary>
    public static IServiceCollection AddSyncerAdmin(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddPrometheusExport(configuration)
            .AddSingleton<SyncerMetrics>()
            .AddAdminEndpoints<SyncerReadiness>();

    /// <summary>
    /// The admin paths on the Syncer's own listener (<c>Urls</c> / <c>ASPNETCORE_URLS</c> / <c>--urls</c>, its only
    /// listener), its metrics created so the first scrape has them.
    /// </summary>
    public static WebApplication MapSyncerAdmin(this WebApplication app)
    {
        app.Services.GetRequiredService<SyncerMetrics>();
        return app.MapAdminEndpoints();
    }
}
