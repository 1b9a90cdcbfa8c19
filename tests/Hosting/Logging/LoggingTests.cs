using Entrance.Hosting.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entrance.Hosting.Tests.Logging;

public class LoggingTests
{
    private static ILoggerFactory Loggers(IHost host) => host.Services.GetRequiredService<ILoggerFactory>();

    private static IHost Build(params string[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1])));
        builder.AddEntranceLogging();
        return builder.Build();
    }

    [Fact]
    public void AddEntranceLogging_SerilogLevels_AppliedPerNamespace()
    {
        using var host = Build("Serilog:MinimumLevel:Default=Warning", "Serilog:MinimumLevel:Override:Entrance.Syncer.Sync=Debug");

        Assert.True(Loggers(host).CreateLogger("Entrance.Syncer.Sync.SyncEngine").IsEnabled(LogLevel.Debug));
        Assert.False(Loggers(host).CreateLogger("Entrance.Syncer.Leadership").IsEnabled(LogLevel.Information));
        Assert.True(Loggers(host).CreateLogger("Entrance.Syncer.Leadership").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public void AddEntranceLogging_HostingDiagnosticsAtVerbose_StillOff()
    {
        // ASP.NET opens a log scope and an Activity per request while this category is enabled at any level.
        using var host = Build("Serilog:MinimumLevel:Default=Verbose");

        Assert.False(Loggers(host).CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.True(Loggers(host).CreateLogger("Microsoft.AspNetCore.Hosting.Other").IsEnabled(LogLevel.Trace));
    }
}
