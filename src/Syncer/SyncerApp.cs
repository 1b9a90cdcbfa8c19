using Entrance.Hosting.Logging;
using Entrance.Hosting.Options;
using Entrance.Hosting.Startup;
using Entrance.Syncer.Admin;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Sync;
using Microsoft.Extensions.Options;

namespace Entrance.Syncer;

/// <summary>The Syncer's composition, shared by Program and the tests.</summary>
public static class SyncerApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Its only listener is the admin one: Urls in appsettings.json (http://+:9090), ASPNETCORE_URLS or --urls.
        var builder = WebApplication.CreateBuilder(args);
        builder.AddEntranceLogging();
        builder.Services.AddSyncerOptions(builder.Configuration);
        builder.Services.AddSyncerRuntime();
        builder.Services.AddHostedService<SyncerWorker>();
        builder.Services.AddSyncerAdmin(builder.Configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configure?.Invoke(builder);

        var app = builder.Build();
        // Fail fast, before listening: every setting first (all failures in one line), then what is built from them
        // (credentials, Redis string).
        app.Services.GetService<IStartupValidator>()?.Validate();
        ResolveRuntime(app.Services);
        app.MapSyncerAdmin();
        return app;
    }

    private static IServiceCollection AddSyncerOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SyncerOptions>(configuration.GetSection(SyncerOptions.Section));
        services.AddValidatedOptions<LeaderElectionOptions>(configuration.GetSection(LeaderElectionOptions.Section));
        services.AddValidatedOptions<KubernetesOptions>(configuration.GetSection(KubernetesOptions.Section));
        services.AddValidatedOptions<RedisOptions>(configuration.GetSection(RedisOptions.Section));
        services.AddSingleton<IValidateOptions<SyncerOptions>, SyncerOptionsValidation>();
        services.AddSingleton<IValidateOptions<LeaderElectionOptions>, LeaderElectionOptionsValidation>();
        return services;
    }

    /// <summary>
    /// The runtime, built from the settings: what it rejects while reading them (no credentials, an unreadable or
    /// malformed kubeconfig, a bad Redis string or certificate) is a configuration error, reported in one line.
    /// </summary>
    private static void ResolveRuntime(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<SyncerRuntime>();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException
                                      or YamlDotNet.Core.YamlException or System.Security.Cryptography.CryptographicException)
        {
            throw new StartupConfigurationException(e.Message, e);
        }
    }
}
