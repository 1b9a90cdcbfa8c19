using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Configuration;

public static class ConfigurationWebApplicationBuilderExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Binds <see cref="EntranceOptions"/>, listens on 127.0.0.1:8080 unless told otherwise, and applies Kestrel limits.</summary>
    public static WebApplicationBuilder AddEntranceOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EntranceOptions>()
            .Bind(builder.Configuration.GetSection(EntranceOptions.Section))
            .Validate(o => o.CacheTtl > TimeSpan.Zero, "Entrance:CacheTtl must be positive")
            .Validate(o => o.CacheSizeLimit > 0, "Entrance:CacheSizeLimit must be positive")
            .Validate(o => o.MaxConcurrentLookups > 0, "Entrance:MaxConcurrentLookups must be positive")
            .Validate(o => o.StoreBreaker.Threshold > 0, "Entrance:StoreBreaker:Threshold must be positive")
            .Validate(o => o.StoreBreaker.BreakDuration > TimeSpan.Zero, "Entrance:StoreBreaker:BreakDuration must be positive")
            .Validate(o => o.LookupBudget.PerClientPerSecond >= 0 && o.LookupBudget.PerRouterPerSecond >= 0, "Entrance:LookupBudget rates must not be negative (0 switches a budget off)")
            .Validate(o => o.LookupBudget.PerClientBurst >= 1 && o.LookupBudget.PerRouterBurst >= 1, "Entrance:LookupBudget bursts must be at least 1")
            .Validate(o => o.LookupBudget.ClientSlots is > 0 and <= 1 << 20, "Entrance:LookupBudget:ClientSlots must be between 1 and 1048576")
            .Validate(o => o.LookupBudget.RetryAfterSeconds >= 0, "Entrance:LookupBudget:RetryAfterSeconds must not be negative")
            .Validate(o => o.WildcardRescan > TimeSpan.Zero, "Entrance:WildcardRescan must be positive")
            .Validate(o => o.UnknownHostStatus is >= 400 and <= 599, "Entrance:UnknownHostStatus must be a 4xx or 5xx status")
            .Validate(o => o.Retries >= 0, "Entrance:Retries must not be negative")
            .Validate(o => o.DeadBackendTtl > TimeSpan.Zero, "Entrance:DeadBackendTtl must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EntranceOptions>, RedisSettingValidation>();

        // Graceful shutdown: stop accepting, let in-flight requests finish up to the drain timeout.
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<EntranceOptions>>((host, entrance) => host.ShutdownTimeout = entrance.Value.DrainTimeout);

        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var maxBody = builder.Configuration.GetSection(EntranceOptions.Section).GetValue<long?>(nameof(EntranceOptions.MaxRequestBodySize));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Backends' UTF-8 header values are relayed as they are (nginx does), not refused at the response start.
            kestrel.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.UTF8;
            // Header size and count, request line, keep-alive and header timeouts: Kestrel's defaults unless Kestrel:Limits says otherwise.
            builder.Configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits);
            kestrel.Limits.MaxRequestBodySize = maxBody;
        });
        return builder;
    }

    /// <summary>The addresses the server actually listens on (ports resolved), once started.</summary>
    public static IReadOnlyCollection<string> ListeningAddresses(this WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
