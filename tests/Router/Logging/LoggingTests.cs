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
}
