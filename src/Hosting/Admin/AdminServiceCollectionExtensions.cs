using Entrance.Hosting.Metrics;

namespace Entrance.Hosting.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// The admin paths with <typeparamref name="TReadiness"/> behind <c>/readyz</c>. Call <see cref="AddAdminListener"/>
    /// for a listener of their own, or <see cref="MapAdminEndpoints"/> to serve them on the program's own listener.
    /// </summary>
    public static IServiceCollection AddAdminEndpoints<TReadiness>(this IServiceCollection services)
        where TReadiness : class, IReadinessCheck
    {
        services.AddSingleton<TReadiness>();
        services.AddSingleton<IReadinessCheck>(sp => sp.GetRequiredService<TReadiness>());
        services.AddSingleton<AdminEndpoints>();
        return services;
    }

    /// <summary>A program-specific admin path, served by whichever listener serves the admin paths.</summary>
    public static IServiceCollection AddAdminRoute<TRoute>(this IServiceCollection services)
        where TRoute : class, IAdminRoute
    {
        services.AddSingleton<TRoute>();
        services.AddSingleton<IAdminRoute>(sp => sp.GetRequiredService<TRoute>());
        return services;
    }

    /// <summary>
    /// A separate admin listener (its own Kestrel) on <c>&lt;section&gt;:AdminUrls</c>, never reachable through the
    /// program's public port. <paramref name="setting"/> names the setting in error messages.
    /// </summary>
    public static IServiceCollection AddAdminListener(this IServiceCollection services, IConfiguration section, string setting)
    {
        services.AddOptions<AdminListenerOptions>()
            .Bind(section)
            .Validate(o => o.UrlsValid, $"{setting} must be URLs separated by ';' (e.g. {AdminListenerOptions.DefaultUrls}), or off")
            .ValidateOnStart();
        services.AddSingleton<AdminServer>();
        services.AddHostedService(sp =>
        {
            sp.GetRequiredService<PrometheusExport>(); // listening from the start, so no early measurement is lost
            return sp.GetRequiredService<AdminServer>();
        });
        return services;
    }

    /// <summary>Serves the admin paths on the program's own listener (the Syncer, whose only listener is its admin one).</summary>
    public static WebApplication MapAdminEndpoints(this WebApplication app)
    {
        app.Services.GetRequiredService<PrometheusExport>();
        app.Run(app.Services.GetRequiredService<AdminEndpoints>().HandleAsync);
        return app;
    }
}
