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
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null && builder.Configuration["Syncer:AdminUrls"] is { } admin)
        {
            builder.WebHost.UseUrls(admin);
        }

        builder.Services.Configure<SyncerOptions>(builder.Configuration.GetSection(SyncerOptions.Section));
        builder.Services.Configure<LeaderElectionOptions>(builder.Configuration.GetSection(LeaderElectionOptions.Section));
        builder.Services.Configure<KubernetesOptions>(builder.Configuration.GetSection(KubernetesOptions.Section));
        builder.Services.Configure<RedisOptions>(builder.Configuration.GetSection(RedisOptions.Section));
        builder.Services.AddSingleton<SyncerRuntime>();
        builder.Services.AddHostedService<SyncerWorker>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapAdmin();
        return app;
    }
}
