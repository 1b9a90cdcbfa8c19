using System.Net;
using Entrance.Router.Transport;
using Entrance.Testing;

namespace Entrance.Router.Tests.Transport;

public class TransportTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string SocketThreadName = ".NET Sockets";

    [Fact]
    public void EnvironmentFor_Defaults_InlineCompletionsOnlyAndRuntimeChoosesThreads()
    {
        var variables = TransportWebApplicationBuilderExtensions.EnvironmentFor(new TransportOptions(), _ => null).ToList();

        Assert.Equal([(TransportWebApplicationBuilderExtensions.InlineCompletionsVariable, "1")], variables);
    }

    [Fact]
    public void EnvironmentFor_IoThreadsAndInlineOff_OnlyThreadCount()
    {
        var variables = TransportWebApplicationBuilderExtensions.EnvironmentFor(new TransportOptions { InlineCompletions = false, IoThreads = 3 }, _ => null).ToList();

        Assert.Equal([(TransportWebApplicationBuilderExtensions.IoThreadsVariable, "3")], variables);
    }

    [Fact]
    public void EnvironmentFor_VariablesAlreadySet_OperatorsEnvironmentWins()
    {
        var variables = TransportWebApplicationBuilderExtensions.EnvironmentFor(new TransportOptions { IoThreads = 3 }, _ => "0").ToList();

        Assert.Empty(variables);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Router_IoThreadsSet_RuntimeRunsThatManySocketThreads(int threads)
    {
        await using var backend = await TestBackend.StartAsync("io");
        await redis.Server.CliAsync("SADD", "entrance:backends:io-threads.example.com", backend.Url);
        await using var router = await RouterProcess.StartAsync(redis.Server, $"Entrance:Transport:IoThreads={threads}");

        using var response = await router.GetAsync("io-threads.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(threads, SocketThreads(router.Id));
    }

    /// <summary>The runtime names each socket event thread; /proc lists a process's threads by name.</summary>
    private static int SocketThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == SocketThreadName);
}
