using System.Net.Sockets;
using Entrance.Hosting.Startup;
using Entrance.Testing;

namespace Entrance.Router.Tests.Hosting;

/// <summary>The router as a process: its bad settings and a taken port end the start with one line (the mechanism itself: tests/Hosting).</summary>
public class StartupFailureTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("Entrance:CacheTtl=banana", "'banana' at 'Entrance:CacheTtl'")]
    [InlineData("Entrance:CacheTtl=-00:00:01", "Entrance:CacheTtl must be positive")]
    [InlineData("Entrance:Redis=abortConnect=banana", "Entrance:Redis: invalid Redis configuration 'abortConnect=banana'")]
    [InlineData("Entrance:Redis=localhost:notaport", "no endpoint")]
    [InlineData("Entrance:Transport:IoThreads=-1", "Entrance:Transport:IoThreads must be between")]
    [InlineData("Entrance:Transport:InlineCompletions=maybe", "'maybe' at 'Entrance:Transport:InlineCompletions'")]
    [InlineData("urls=banana", "Invalid url: 'banana'")]
    [InlineData("Entrance:TrustedProxies:0=10.0.0.0/33", "Entrance:TrustedProxies: '10.0.0.0/33' is not a CIDR")]
    [InlineData("Entrance:Tls:RedirectStatus=302", "Entrance:Tls:RedirectStatus must be 301 or 308")]
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
