using Entrance.Testing;
using Microsoft.Extensions.Logging;

namespace Entrance.Router.Tests.Logging;

public class LoggingTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Levels_FromSerilogConfiguration_AppliedPerNamespace()
    {
        await using var router = await RouterHost.StartAsync(redis.Server,
            "Serilog:MinimumLevel:Default=Warning", "Serilog:MinimumLevel:Override:Entrance.Router.Proxy=Debug");
        var loggers = router.Service<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Entrance.Router.Proxy.ProxyPipeline").IsEnabled(LogLevel.Debug));
        Assert.False(loggers.CreateLogger("Entrance.Router.Routing.RouteCache").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Entrance.Router.Routing.RouteCache").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public async Task HostingDiagnostics_SerilogProvider_OffSoNoPerRequestScopeOrActivity()
    {
        // ASP.NET opens a log scope and an Activity per request while this category is enabled at any level; Serilog's
        // provider brings its own catch-all rule, so the filter has to name that provider to take effect.
        await using var router = await RouterHost.StartAsync(redis.Server, "Serilog:MinimumLevel:Default=Verbose");

        Assert.False(router.Service<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.True(router.Service<ILoggerFactory>().CreateLogger("Entrance.Router.Proxy.ProxyPipeline").IsEnabled(LogLevel.Debug));
    }
}
