using Entrance.Syncer.Admin;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Sync;

namespace Entrance.Syncer;

/// <summary>The Syncer's composition, shared by Program and the tests.</summary>
public static class SyncerApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<SyncerOptions>(builder.Configuration.GetSection(SyncerOptions.Section));
        builder.Services.Configure<LeaderElectionOptions>(builder.Configuration.GetSection(LeaderElectionOptions.Section));
        builder.Services.Configure<KubernetesOptions>(builder.Configuration.GetSection(KubernetesOptions.Section));
        builder.Services.Configure<RedisOptions>(builder.Configuration.GetSection(RedisOptions.Section));
        builder.Services.AddSyncerRuntime();
        builder.Services.AddHostedService<SyncerWorker>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configure?.Invoke(builder);

        var app = builder.Build();
        // Fail fast, before listening, on bad configuration (credentials, Redis string, lease timings).
        _ = app.Services.GetRequiredService<SyncerRuntime>();
        app.MapAdmin();
        return app;
    }

    /// <summary>Whether a startup failure is a configuration mistake to report in one line, rather than a bug.</summary>
    public static bool IsConfigurationError(Exception e, out string message)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is InvalidOperationException or ArgumentException or FormatException or YamlDotNet.Core.YamlException or System.Security.Cryptography.CryptographicException)
            {
                message = inner.Message;
                return true;
            }
        }

        message = e.Message;
        return false;
    }
}
