using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Tcp;

public sealed class TcpCommandsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Add_NewPort_WritesBackendsSettingsAndPublishes()
    {
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "tcp", "add", "30001", "10.0.0.5:5432", "DB.internal:5432", "--lb", "least-connections", "--proxy-protocol", "v2");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(["10.0.0.5:5432", "db.internal:5432"], await MembersAsync(Server, "entrance:tcp:30001"));
        Assert.Equal("least-connections", await Server.CliAsync("HGET", "entrance:tcp-settings:30001", "lb"));
        Assert.Equal("v2", await Server.CliAsync("HGET", "entrance:tcp-settings:30001", "proxy_protocol"));
        Assert.Contains("+ tcp 30001 10.0.0.5:5432", run.Out);
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:tcp-owners", "30001")); // hand-written: no owner
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "tcp:30001"), TimeSpan.FromSeconds(5), "add publishes entrance:changed tcp:30001");
    }

    [Theory]
    [InlineData("0", "10.0.0.5:5432")]
    [InlineData("65536", "10.0.0.5:5432")]
    [InlineData("http", "10.0.0.5:5432")]
    [InlineData("30001", "10.0.0.5")]
    [InlineData("30001", "http://10.0.0.5:5432")]
    [InlineData("30001", "10.0.0.5:99999")]
    public async Task Add_BadPortOrBackend_Exit2NothingWritten(string port, string backend)
    {
        var run = await RunAsync(Server, "tcp", "add", port, "10.0.0.1:22", backend);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("error:", run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Theory]
    [InlineData("--lb", "p2c")]
    [InlineData("--proxy-protocol", "v3")]
    [InlineData("--idle-timeout", "soon")]
    [InlineData("--max-connections", "0")]
    public async Task Add_BadSetting_Exit2NothingWritten(string option, string value)
    {
        var run = await RunAsync(Server, "tcp", "add", "30001", "10.0.0.1:22", option, value);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("error: invalid", run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Remove_SomeBackendsThenWholeRoute_EditsAndDeletesEverything()
    {
        await RunAsync(Server, "tcp", "add", "30002", "10.0.0.1:22", "10.0.0.2:22", "--lb", "random");
        await Server.CliAsync("ZADD", "entrance:tcp-dead:30002", "99999999999999", "10.0.0.2:22");

        var some = await RunAsync(Server, "tcp", "remove", "30002", "10.0.0.2:22");
        var whole = await RunAsync(Server, "tcp", "remove", "30002");
        var again = await RunAsync(Server, "tcp", "remove", "30002");

        Assert.True(some.Exit == 0, some.ToString());
        Assert.Contains("- tcp 30002 10.0.0.2:22", some.Out);
        Assert.Contains("1 left", some.Out);
        Assert.Contains("- tcp 30002: removed", whole.Out);
        Assert.Contains("no such route", again.Out);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Remove_BadBackend_Exit2NothingRemoved()
    {
        await RunAsync(Server, "tcp", "add", "30003", "10.0.0.1:22");

        var run = await RunAsync(Server, "tcp", "remove", "30003", "not-a-backend");

        Assert.Equal(2, run.Exit);
        Assert.Equal(["10.0.0.1:22"], await MembersAsync(Server, "entrance:tcp:30003"));
    }

    [Fact]
    public async Task List_SeveralRoutes_TableAndJson()
    {
        await RunAsync(Server, "tcp", "add", "30010", "10.0.0.1:22", "10.0.0.2:22", "--proxy-protocol", "v1");
        await RunAsync(Server, "tcp", "add", "5432", "db.internal:5432");
        await Server.CliAsync("HSET", "entrance:tcp-owners", "5432", "syncer");

        var json = await RunAsync(Server, "--output", "json", "tcp", "list");
        var plain = await RunAsync(Server, "--output", "plain", "tcp", "list");

        Assert.True(json.Exit == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var routes = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal([5432, 30010], routes.Select(r => r.GetProperty("port").GetInt32()));
        Assert.Equal("syncer", routes[0].GetProperty("owner").GetString());
        Assert.Equal(2, routes[1].GetProperty("backends").GetInt32());
        Assert.Equal("v1", routes[1].GetProperty("proxyProtocol").GetString());
        Assert.Contains("30010", plain.Out);
    }

    [Fact]
    public async Task Show_RouteWithDeadBackend_HumanAndJson()
    {
        await RunAsync(Server, "tcp", "add", "30020", "10.0.0.1:22", "10.0.0.2:22", "--idle-timeout", "5m");
        var until = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();
        await Server.CliAsync("ZADD", "entrance:tcp-dead:30020", until.ToString(), "10.0.0.2:22");

        var human = await RunAsync(Server, "--output", "plain", "tcp", "show", "30020");
        var json = await RunAsync(Server, "--output", "json", "tcp", "show", "30020");
        var missing = await RunAsync(Server, "--output", "plain", "tcp", "show", "30021");

        Assert.True(human.Exit == 0, human.ToString());
        Assert.Contains("idle_timeout\t5m", human.Out);
        Assert.Contains("10.0.0.2:22  DEAD until", human.Out);
        Assert.Contains("owner\tmanual", human.Out);
        using var doc = JsonDocument.Parse(json.Out);
        var backends = doc.RootElement.GetProperty("backends").EnumerateArray().ToList();
        Assert.False(backends[0].GetProperty("dead").GetBoolean());
        Assert.True(backends[1].GetProperty("dead").GetBoolean());
        Assert.Contains("no such route", missing.Out);
        Assert.Equal(2, (await RunAsync(Server, "tcp", "show", "x")).Exit);
    }
}
