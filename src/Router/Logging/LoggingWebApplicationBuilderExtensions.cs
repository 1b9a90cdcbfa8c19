using Serilog;
using Serilog.Extensions.Logging;

namespace Entrance.Router.Logging;

public static class LoggingWebApplicationBuilderExtensions
{
    /// <summary>Serilog for every log, levels and sinks from the <c>Serilog</c> configuration section (console by default).</summary>
    public static WebApplicationBuilder AddEntranceLogging(this WebApplicationBuilder builder)
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
        // proxy throughput here); Entrance's access log says what it would have said.
        builder.Logging.AddFilter<SerilogLoggerProvider>("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        return builder;
    }
}
