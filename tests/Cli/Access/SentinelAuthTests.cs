using Entrance.Testing;

namespace Entrance.Cli.Tests.Access;

/// <summary>
/// The CLI through Sentinel when the data nodes and the sentinels have different passwords: it writes with the right
/// ones, and a wrong one fails with exit code 2 and a message naming who refused it.
/// </summary>
public class SentinelAuthTests(SentinelAuthTests.Set set) : IClassFixture<SentinelAuthTests.Set>
{
    [Fact]
    public async Task RouteAdd_SentinelAndMasterPasswords_WritesOnTheMaster()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", set.Sentinel.Configuration, "route", "add", "sentinel.example.com", "http://127.0.0.1:9001");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("http://127.0.0.1:9001", await set.Sentinel.Master.CliAsync([.. set.Sentinel.DataCliAuth, "SMEMBERS", "entrance:backends:sentinel.example.com"]));
    }

    [Fact]
    public async Task RouteAdd_WrongSentinelPassword_Exit2NamingTheSentinels()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", $"{set.Sentinel.Endpoints},password=data-pw,sentinelPassword=not-it-4711",
            "route", "add", "refused.example.com", "http://127.0.0.1:9001");

        Assert.Equal(2, run.Exit);
        Assert.StartsWith($"error: the sentinels at 127.0.0.1:{set.Sentinel.SentinelPorts[0]},", run.Err);
        Assert.Contains("refused the credentials (sentinelUser/sentinelPassword): WRONGPASS", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("not-it-4711", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteAdd_WrongMasterPassword_Exit2NamingTheMaster()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", $"{set.Sentinel.Endpoints},password=not-it-4711,sentinelPassword=sentinel-pw",
            "route", "add", "refused.example.com", "http://127.0.0.1:9001");

        Assert.Equal(2, run.Exit);
        Assert.Equal($"error: the master 127.0.0.1:{set.Sentinel.Master.Port} of Sentinel service 'entrance' refused the credentials (user/password): " +
            "WRONGPASS invalid username-password pair or user is disabled\n", run.Err);
    }

    [Fact]
    public async Task RouteList_DataPasswordOnlyForPasswordedSentinels_Exit2SayingTheDataPasswordWasTried()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", $"{set.Sentinel.Endpoints},password=data-pw", "route", "list");

        Assert.Equal(2, run.Exit);
        Assert.True(run.Err.Contains("refused the credentials (user/password, as no sentinelUser/sentinelPassword is set)", StringComparison.Ordinal), run.Err);
    }

    [Fact]
    public async Task RouteList_UnknownService_Exit1NamingTheService()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", set.Sentinel.Configuration.Replace("serviceName=entrance", "serviceName=nope", StringComparison.Ordinal),
            "route", "list");

        Assert.Equal(1, run.Exit);
        Assert.Contains("do not know the service 'nope'", run.Err, StringComparison.Ordinal);
    }

    /// <summary>One Sentinel deployment with both passwords for the class.</summary>
    public sealed class Set : IAsyncLifetime
    {
        public RedisSentinelSet Sentinel { get; private set; } = null!;

        public async Task InitializeAsync() => Sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "sentinel-pw"));

        public async Task DisposeAsync() => await Sentinel.DisposeAsync();
    }
}
