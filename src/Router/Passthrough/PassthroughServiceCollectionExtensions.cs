using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Passthrough;

public static class PassthroughServiceCollectionExtensions
{
    /// <summary>TLS passthrough by SNI (issue 16): options, metrics, the backend connector and the relay. Call after <c>AddRouteCache</c>.</summary>
    public static IServiceCollection AddPassthrough(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PassthroughOptions>()
            .Bind(configuration.GetSection(PassthroughOptions.Section))
            .Validate(o => o.ClientHelloTimeout > TimeSpan.Zero, "Entrance:Passthrough:ClientHelloTimeout must be positive")
            .ValidateOnStart();
        services.AddSingleton<PassthroughMetrics>();
        services.AddSingleton<PassthroughConnector>();
        services.AddSingleton<PassthroughRelay>();
        return services;
    }

    /// <summary>
    /// Peeks each connection's ClientHello and relays passthrough hosts before TLS. Call after the PROXY protocol reader
    /// and before <c>UseHttps</c>; adds nothing when passthrough is off or its services are not registered.
    /// </summary>
    public static ListenOptions UseEntrancePassthrough(this ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var options = services.GetService<IOptions<PassthroughOptions>>()?.Value;
        if (options is not { Enabled: true })
        {
            return listen;
        }

        var connector = services.GetRequiredService<PassthroughConnector>();
        var relay = services.GetRequiredService<PassthroughRelay>();
        var metrics = services.GetRequiredService<PassthroughMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PassthroughMiddleware).FullName!);
        listen.Use(next => new PassthroughMiddleware(next, connector, relay, options, metrics, logger).OnConnectionAsync);
        return listen;
    }
}
