using System.Net.Sockets;
using Entrance.Router.Hosting;
using Entrance.Testing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tests.Hosting;

public class StartupFailureTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public void From_ValidationFailures_OneConfigurationLineExitTwo()
    {
        var failure = StartupFailure.From(new OptionsValidationException("Entrance", typeof(object), ["A must be positive", "B must be set"]));

        Assert.Equal(new StartupFailure("configuration error: A must be positive; B must be set", StartupFailure.ConfigurationExitCode), failure);
    }

    [Fact]
    public void From_UnexpectedException_NullSoItKeepsItsStackTrace()
    {
        Assert.Null(StartupFailure.From(new NullReferenceException()));
        Assert.Null(StartupFailure.From(new InvalidOperationException("something else")));
    }

    [Theory]
    [InlineData("Entrance:CacheTtl=banana", "'banana' at 'Entrance:CacheTtl'")]
    [InlineData("Entrance:CacheTtl=-00:00:01", "Entrance:CacheTtl must be positive")]
    [InlineData("Entrance:Redis=abortConnect=banana", "Entrance:Redis: invalid Redis configuration 'abortConnect=banana'")]
    [InlineData("Entrance:Redis=localhost:notaport", "no endpoint")]
    [InlineData("Entrance:Transport:IoThreads=-1", "Entrance:Transport:IoThreads must be between")]
    [InlineData("Entrance:Transport:InlineCompletions=maybe", "'maybe' at 'Entrance:Transport:InlineCompletions'")]
    [InlineData("urls=banana", "Invalid url: 'banana'")]
    public async Task Main_BadSetting_OneLineAndExitTwo(string setting, string expected)
    {
        var (exitCode, output) = await RouterProcess.RunUntilExitAsync(redis.Server, setting);

        Assert.Equal(StartupFailure.ConfigurationExitCode, exitCode);
        Assert.Contains("entrance-router: configuration error: ", output);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("Unhandled exception", output);
    }

    [Fact]
    public async Task Main_AccessLogPathNotWritable_OneLineAndExitTwo()
    {
        var (exitCode, output) = await RouterProcess.RunUntilExitAsync(redis.Server, "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Path=/proc/entrance-no-such-dir/access.log");

        Assert.Equal(StartupFailure.ConfigurationExitCode, exitCode);
        Assert.Contains("entrance-router: configuration error: Entrance:AccessLog:Path: cannot open", output);
        Assert.DoesNotContain("Unhandled exception", output);
    }

    [Fact]
    public async Task Main_PortTaken_SaysSoAndExitsOne()
    {
        using var taken = new TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await RouterProcess.RunUntilExitAsync(redis.Server, $"urls=http://127.0.0.1:{port}");

        Assert.Equal(StartupFailure.EnvironmentExitCode, exitCode);
        Assert.Contains($"entrance-router: Failed to bind to address http://127.0.0.1:{port}: address already in use", output);
        Assert.DoesNotContain("Unhandled exception", output);
    }
}
