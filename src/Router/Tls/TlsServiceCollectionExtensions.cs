using Entrance.Core.Store;

namespace Entrance.Router.Tls;

public static class TlsServiceCollectionExtensions
{
    /// <summary>Certificate reading, caching and per-handshake selection, and their metrics. Call after <c>AddRouteStore</c>.</summary>
    public static IServiceCollection AddCertificates(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TlsOptions>()
            .Bind(configuration.GetSection(TlsOptions.Section))
            .Validate(o => o.CacheSizeLimit > 0, "Entrance:Tls:CacheSizeLimit must be positive")
            .Validate(o => o.HandshakeTimeout > TimeSpan.Zero, "Entrance:Tls:HandshakeTimeout must be positive")
            .Validate(o => o.DefaultCertificate.ReloadInterval >= TimeSpan.Zero, "Entrance:Tls:DefaultCertificate:ReloadInterval must not be negative")
            .ValidateOnStart();
        services.AddSingleton(sp => new CertificateReader(sp.GetRequiredService<RedisConnection>()));
        services.AddSingleton<TlsMetrics>();
        services.AddSingleton<CertificateCache>();
        services.AddSingleton<DefaultCertificate>();
        services.AddHostedService<DefaultCertificateReloader>();
        services.AddSingleton<CertificateSelector>();
        return services;
    }
}
