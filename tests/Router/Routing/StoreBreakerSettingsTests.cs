using Entrance.Hosting.Startup;
using Entrance.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary><c>Entrance:StoreBreaker:*</c> checked at start like every other Entrance setting.</summary>
public class StoreBreakerSettingsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("Entrance:StoreBreaker:Threshold=0", "Entrance:StoreBreaker:Threshold must be positive")]
    [InlineData("Entrance:StoreBreaker:BreakDuration=00:00:00", "Entrance:StoreBreaker:BreakDuration must be positive")]
    [InlineData("Entrance:StoreBreaker:Threshold=many", "'many' at 'Entrance:StoreBreaker:Threshold'")]
    public async Task Main_BadBreakerSetting_OneLineAndExitTwo(string setting, string expected)
    {
        var (exitCode, output) = await RouterProcess.RunUntilExitAsync(redis.Server, setting);

        Assert.Equal(StartupFailure.ConfigurationExitCode, exitCode);
        Assert.Contains("entrance-router: configuration error: ", output);
        Assert.Contains(expected, output);
    }
}
