using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests;

public class CliAppTests
{
    public static TheoryData<string> Commands => new()
    {
        "route", "dead", "route add", "route remove", "route list", "route show", "route set", "apply", "export", "dead list", "dead clear", "migrate-hipache", "watch",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_EveryCommand_Exit0WithExamplesAndGlobalOptions(string command)
    {
        var run = await RunWithAsync(null, null, false, [.. command.Split(' '), "--help"]);

        Assert.Equal(0, run.Exit);
        Assert.Contains("Example", run.Out);
        Assert.Contains($"entrance {command}", run.Out);
        Assert.Contains("--redis", run.Out);
        Assert.Contains("--output", run.Out);
        Assert.Contains("--quiet", run.Out);
    }

    [Fact]
    public async Task RunAsync_SuggestDirective_CompletesCommandsAndOptions()
    {
        // What dotnet-suggest calls for shell completion.
        var commands = await RunWithAsync(null, null, false, "[suggest:7]", "route ");
        var options = await RunWithAsync(null, null, false, "[suggest:11]", "apply --dry");

        Assert.Equal(0, commands.Exit);
        Assert.Contains("add", commands.Out.Split('\n'));
        Assert.Contains("show", commands.Out.Split('\n'));
        Assert.Contains("--dry-run", options.Out.Split('\n'));
    }

    [Fact]
    public async Task RunAsync_UnknownCommand_Exit2WithHint()
    {
        var run = await RunWithAsync(null, null, false, "route", "frobnicate");

        Assert.Equal(2, run.Exit);
        Assert.Contains("Run 'entrance route --help' for usage.", run.Err);
    }

    [Theory]
    [InlineData("route", "add", "a.example.com")]          // no URL
    [InlineData("route", "set", "a.example.com")]          // no --lb
    [InlineData("apply")]                                   // no -f
    [InlineData("--output", "xml", "route", "list")]
    [InlineData("export", "--format", "toml")]
    public async Task RunAsync_BadArguments_Exit2(params string[] args)
    {
        var run = await RunWithAsync(null, null, false, args);

        Assert.Equal(2, run.Exit);
        Assert.StartsWith("error: ", run.Err);
    }

    [Fact]
    public async Task RunAsync_RedisUnreachable_Exit1NamingTheAddress()
    {
        var port = FreePort.Next();

        var run = await RunWithAsync(null, null, false, "--redis", $"127.0.0.1:{port}", "route", "list");

        Assert.Equal(1, run.Exit);
        Assert.StartsWith($"error: cannot reach Redis at 127.0.0.1:{port}", run.Err);
    }

    [Fact]
    public async Task RunAsync_RedisAcceptsButNeverAnswers_Exit1WithinSeconds()
    {
        // A hung Redis (or a proxy in front of a dead one): TCP connects, no reply ever comes.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await silent.AcceptTcpClientAsync());
                }
            }
            catch (Exception)
            {
                // stopped
            }
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var run = await RunWithAsync(null, null, false, "--redis", $"127.0.0.1:{port}", "route", "list");

        Assert.Equal(1, run.Exit);
        Assert.StartsWith($"error: cannot reach Redis at 127.0.0.1:{port}", run.Err);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        silent.Stop();
    }

    [Fact]
    public async Task RunAsync_RedisFromEnvironment_UsedWhenNoOption()
    {
        var port = FreePort.Next();
        var stderr = new StringWriter();

        var exit = await CliApp.RunAsync(["route", "list"], new StringWriter(), stderr, new StringReader(""), false,
            name => name == "ENTRANCE_REDIS" ? $"127.0.0.1:{port}" : null);

        Assert.Equal(1, exit);
        Assert.Contains($"127.0.0.1:{port}", stderr.ToString());
    }

    [Fact]
    public async Task RunAsync_InvalidRedisConfiguration_Exit2()
    {
        var run = await RunWithAsync(null, null, false, "--redis", ",,,", "route", "list");

        Assert.Equal(2, run.Exit);
        Assert.Contains("Redis configuration", run.Err);
    }

    [Fact]
    public async Task RunAsync_BadInput_NeverConnects()
    {
        // Refused before connecting: an unreachable Redis cannot turn a usage error into exit 1.
        var run = await RunWithAsync(null, null, false, "--redis", $"127.0.0.1:{FreePort.Next()}", "route", "add", "a..b", "http://1:80");

        Assert.Equal(2, run.Exit);
    }
}

public class PrefixTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Prefix_AllKeysAndChannelsPrefixed()
    {
        var changed = await SubscribeChangedAsync(redis.Server, "tenant1:entrance:changed");

        var run = await RunAsync(redis.Server, "--prefix", "tenant1:", "route", "add", "a.example.com", "http://1:80");
        var list = await RunAsync(redis.Server, "--prefix", "tenant1:", "route", "list", "--output", "plain");
        var unprefixed = await RunAsync(redis.Server, "route", "list", "--output", "plain");

        Assert.Equal(0, run.Exit);
        Assert.Equal("http://1:80", await redis.Server.CliAsync("SMEMBERS", "tenant1:entrance:backends:a.example.com"));
        Assert.StartsWith("a.example.com\tnative\t1", list.Out);
        Assert.Equal(0, unprefixed.Exit);
        Assert.Equal("", unprefixed.Out); // the unprefixed keyspace holds no route
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "a.example.com"), TimeSpan.FromSeconds(5), "prefixed channel");
    }
}
