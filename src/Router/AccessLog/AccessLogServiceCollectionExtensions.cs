namespace Entrance.Router.AccessLog;

public static class AccessLogServiceCollectionExtensions
{
    /// <summary>One line per proxied request, written in the background (<c>Entrance:AccessLog</c>).</summary>
    public static IServiceCollection AddAccessLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessLogOptions>()
            .Bind(configuration.GetSection(AccessLogOptions.Section))
            .Validate(o => o.Output.ToLowerInvariant() is "console" or "file" or "off", "Entrance:AccessLog:Output must be console, file or off")
            .Validate(o => o.Format.ToLowerInvariant() is "text" or "json", "Entrance:AccessLog:Format must be text or json")
            .Validate(o => o.FlushInterval > TimeSpan.Zero, "Entrance:AccessLog:FlushInterval must be positive")
            .Validate(o => o.QueueSize > 0, "Entrance:AccessLog:QueueSize must be positive")
            .ValidateOnStart();
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());
        return services;
    }
}
