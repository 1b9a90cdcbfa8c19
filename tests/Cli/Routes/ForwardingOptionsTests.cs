using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Routes;

/// <summary><c>route set</c>'s per-route forwarding options, and what <c>route show</c> says about bad route data.</summary>
public class ForwardingOptionsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Set_ForwardingOptions_WritesHashAndPublishes()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://127.0.0.1:80");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "route", "set", "a.example.com", "--connect-timeout", "2s", "--backend-timeout", "5m", "--max-body", "10m", "--preserve-host", "0");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("connect_timeout\n2s\nbackend_timeout\n5m\nmax_body\n10m\npreserve_host\n0", await Server.CliAsync("HGETALL", "entrance:host:a.example.com"));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "a.example.com"), TimeSpan.FromSeconds(5), "set publishes");

        var reset = await RunAsync(Server, "route", "set", "a.example.com", "--max-body", "default");
        Assert.Equal(0, reset.Exit);
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:host:a.example.com", "max_body"));
    }

    [Theory]
    [InlineData("--connect-timeout", "soon")]
    [InlineData("--connect-timeout", "0s")]
    [InlineData("--backend-timeout", "30")]
    [InlineData("--backend-timeout", "2d")]
    [InlineData("--max-body", "-1")]
    [InlineData("--max-body", "10 MB")]
    [InlineData("--preserve-host", "yes")]
    public async Task Set_BadValue_Exit2NothingWritten(string option, string value)
    {
        var run = await RunAsync(Server, "route", "set", "a.example.com", "--lb", "random", option, value);

        Assert.Equal(2, run.Exit);
        Assert.Contains(option, run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Set_NoSetting_Exit2()
    {
        var run = await RunAsync(Server, "route", "set", "a.example.com");

        Assert.Equal(2, run.Exit);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Apply_ForwardingFields_WrittenThenRemovedWhenLeftOut()
    {
        const string file = """
            hosts:
              - host: objects.example.com
                backends: ["http://127.0.0.1:9000"]
                backend_timeout: 5m
                max_body: 0
                preserve_host: 0
            """;

        var run = await RunWithAsync(Server, file, false, "--output", "plain", "apply", "-f", "-");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("backend_timeout\n5m\nmax_body\n0\npreserve_host\n0", await Server.CliAsync("HGETALL", "entrance:host:objects.example.com"));
        var again = await RunWithAsync(Server, file, false, "apply", "-f", "-", "--dry-run");
        Assert.Equal(0, again.Exit); // idempotent: nothing pending

        var changed = await RunWithAsync(Server, file.Replace("    max_body: 0\n", ""), false, "--output", "plain", "apply", "-f", "-");
        Assert.True(changed.Exit == 0, changed.ToString());
        Assert.Contains("~ max_body: 0 -> default", changed.Out);
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:host:objects.example.com", "max_body"));
    }

    [Fact]
    public async Task Apply_BadForwardingValue_Exit2NothingWritten()
    {
        const string file = """
            hosts:
              - host: a.example.com
                backends: ["http://127.0.0.1:9000"]
                connect_timeout: forever
            """;

        var run = await RunWithAsync(Server, file, false, "apply", "-f", "-");

        Assert.Equal(2, run.Exit);
        Assert.Contains("connect_timeout must be a duration", run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Show_WrongTypeKey_SaysWhichKeyHasWhichType()
    {
        await Server.CliAsync("SET", "entrance:backends:bad.example.com", "http://127.0.0.1:80");

        var text = await RunAsync(Server, "--output", "plain", "route", "show", "bad.example.com");
        var json = await RunAsync(Server, "--output", "json", "route", "show", "bad.example.com");

        Assert.True(text.Exit == 0, text.ToString());
        Assert.True(text.Out.Contains("entrance:backends:bad.example.com is a string, expected a set (a router answers 502 bad-route)"), text.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal("entrance:backends:bad.example.com is a string, expected a set", doc.RootElement.GetProperty("problem").GetString());
    }

    [Fact]
    public async Task Show_BadUrlAndRawBadSetting_Flagged()
    {
        await Server.CliAsync("SADD", "entrance:backends:mixed.example.com", "http://127.0.0.1:80", "not a url");
        await Server.CliAsync("HSET", "entrance:host:mixed.example.com", "backend_timeout", "soon", "max_body", "1m");

        var run = await RunAsync(Server, "--output", "plain", "route", "show", "mixed.example.com");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(run.Out.Contains("not a url  INVALID URL, routers skip it"), run.ToString());
        Assert.Contains("soon  INVALID, routers ignore it", run.Out);
        Assert.DoesNotContain("1m  INVALID", run.Out);
    }
}
