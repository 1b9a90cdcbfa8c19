using Serilog;
using Serilog.Extensions.Logging;

namespace Entrance.Hosting.Logging;

public static class LoggingHostApplicationBuilderExtensions
{
    /// <summary>Serilog for every log, levels and sinks from the <c>Serilog</c> configuration section (console by default).</summary>
    public static TBuilder AddEntranceLogging<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var configuration = new LoggerConfiguration().ReadFrom.Configuration(builder.Configuration);
        if (!builder.Configuration.GetSection("Serilog:WriteTo").Exists())
        {
            configuration.WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        var logger = configuration.CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
        // ASP.NET opens a log scope for every request while this category is enabled at any level (about 30 % of
        // proxy throughput in the router); Serilog's provider brings its own catch-all rule, so the filter names it.
        builder.Logging.AddFilter<SerilogLoggerProvider>("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        return builder;
    }
}
