using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Routes;

public class RouteCommandsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Add_NewHost_WritesSetAndPublishes()
    {
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "route", "add", "Shop.Example.com", "http://10.0.0.5:8080", "http://10.0.0.6:8080");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(["http://10.0.0.5:8080", "http://10.0.0.6:8080"], await MembersAsync(Server, "entrance:backends:shop.example.com"));
        Assert.Contains("+ shop.example.com http://10.0.0.5:8080", run.Out);
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:owners", "shop.example.com")); // hand-written: no owner
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "shop.example.com"), TimeSpan.FromSeconds(5), "add publishes entrance:changed");
    }

    [Fact]
    public async Task Add_ExistingBackend_NothingAddedNoPublish()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1.1.1.1:80");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "--output", "json", "route", "add", "a.example.com", "http://1.1.1.1:80");

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(0, json.RootElement.GetProperty("added").GetArrayLength());
        await RunAsync(Server, "route", "add", "b.example.com", "http://2.2.2.2:80"); // a marker after which a.example.com would have arrived
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "b.example.com"), TimeSpan.FromSeconds(5), "marker published");
        Assert.DoesNotContain("a.example.com", Snapshot(changed));
    }

    [Fact]
    public async Task Add_HipacheOnlyHost_AppendsToFrontendList()
    {
        await Server.CliAsync("RPUSH", "frontend:old.example.com", "old", "http://1.1.1.1:80");

        var run = await RunAsync(Server, "route", "add", "old.example.com", "http://2.2.2.2:80", "http://1.1.1.1:80");

        Assert.Equal(0, run.Exit);
        Assert.Equal("old\nhttp://1.1.1.1:80\nhttp://2.2.2.2:80", await Server.CliAsync("LRANGE", "frontend:old.example.com", "0", "-1"));
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:backends:old.example.com"));
    }

    [Theory]
    [InlineData("a b.example.com")]
    [InlineData("a..example.com")]
    [InlineData("a.*.example.com")]
    [InlineData("*a.example.com")]
    [InlineData("example.com.")]
    [InlineData("-bad.example.com")]
    [InlineData("shop.example.com:8080")]
    [InlineData("LONG")]
    public async Task Add_InvalidHost_Exit2NothingWritten(string host)
    {
        if (host == "LONG")
        {
            host = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)); // 304 characters
        }

        var run = await RunAsync(Server, "route", "add", host, "http://10.0.0.5:8080");

        Assert.Equal(2, run.Exit);
        Assert.Contains("invalid host", run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Add_H2cAndHttpBackends_BothStored()
    {
        var run = await RunAsync(Server, "route", "add", "grpc.example.com", "h2c://10.0.0.5:50051", "http://10.0.0.6:8080");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(["h2c://10.0.0.5:50051", "http://10.0.0.6:8080"], await MembersAsync(Server, "entrance:backends:grpc.example.com"));
    }

    [Theory]
    [InlineData("ftp://10.0.0.5")]
    [InlineData("h2c://")]
    [InlineData("10.0.0.5:8080")]
    [InlineData("/relative/path")]
    [InlineData("http://")]
    [InlineData("http://user:secret@10.0.0.5")]
    [InlineData("http://10.0.0.5/?q=1")]
    [InlineData("not a url")]
    public async Task Add_InvalidUrl_Exit2NothingWritten(string url)
    {
        var run = await RunAsync(Server, "route", "add", "shop.example.com", "http://10.0.0.9:80", url);

        Assert.Equal(2, run.Exit);
        Assert.Contains("invalid backend URL", run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Add_ApplyOwnedHost_WarnsButWrites()
    {
        await Server.CliAsync("HSET", "entrance:owners", "a.example.com", "apply");

        var run = await RunAsync(Server, "route", "add", "a.example.com", "http://1.1.1.1:80");

        Assert.Equal(0, run.Exit);
        Assert.Contains("managed by 'apply'", run.Err);
        Assert.Equal(["http://1.1.1.1:80"], await MembersAsync(Server, "entrance:backends:a.example.com"));
    }

    [Fact]
    public async Task Remove_SomeUrls_RemovesThoseAndTheirDeadMarks()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80", "http://2:80", "http://3:80");
        await Server.CliAsync("ZADD", "entrance:dead:a.example.com", "99999999999999", "http://1:80", "99999999999999", "http://3:80");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "route", "remove", "a.example.com", "http://1:80", "http://9:80");

        Assert.Equal(0, run.Exit);
        Assert.Equal(["http://2:80", "http://3:80"], await MembersAsync(Server, "entrance:backends:a.example.com"));
        Assert.Equal("http://3:80", await Server.CliAsync("ZRANGE", "entrance:dead:a.example.com", "0", "-1"));
        Assert.Contains("- a.example.com http://1:80", run.Out);
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "a.example.com"), TimeSpan.FromSeconds(5), "remove publishes");
    }

    [Fact]
    public async Task Remove_UrlOfHipacheFrontend_KeepsIdentifierDropsDeadIndexes()
    {
        await Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://1:80", "http://2:80");
        await Server.CliAsync("SADD", "dead:h.example.com", "1");

        var run = await RunAsync(Server, "route", "remove", "h.example.com", "http://1:80");

        Assert.Equal(0, run.Exit);
        Assert.Equal("id\nhttp://2:80", await Server.CliAsync("LRANGE", "frontend:h.example.com", "0", "-1"));
        Assert.Equal("0", await Server.CliAsync("EXISTS", "dead:h.example.com"));
    }

    [Fact]
    public async Task Remove_NoUrl_RemovesBackendsSettingsDeadMarksAndHipacheKeys()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80");
        await Server.CliAsync("HSET", "entrance:host:a.example.com", "lb", "random");
        await Server.CliAsync("ZADD", "entrance:dead:a.example.com", "99999999999999", "http://1:80");
        await Server.CliAsync("RPUSH", "frontend:a.example.com", "id", "http://2:80");
        await Server.CliAsync("SADD", "dead:a.example.com", "0");
        await Server.CliAsync("SADD", "entrance:backends:keep.example.com", "http://3:80");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "route", "remove", "a.example.com");

        Assert.Equal(0, run.Exit);
        Assert.Equal("entrance:backends:keep.example.com set http://3:80", await DumpAsync(Server));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "a.example.com"), TimeSpan.FromSeconds(5), "remove publishes");
    }

    [Fact]
    public async Task Remove_InvalidHost_Exit2()
    {
        var run = await RunAsync(Server, "route", "remove", "a..b");

        Assert.Equal(2, run.Exit);
    }

    [Fact]
    public async Task List_MixedSchemas_JsonWithSchemaCountOwner()
    {
        await Server.CliAsync("SADD", "entrance:backends:n.example.com", "http://1:80", "http://2:80");
        await Server.CliAsync("HSET", "entrance:host:n.example.com", "lb", "random");
        await Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://3:80");
        await Server.CliAsync("HSET", "entrance:host:d.example.com", "lb", "p2c");
        await Server.CliAsync("SADD", "entrance:backends:*.example.com", "http://4:80");
        await Server.CliAsync("HSET", "entrance:owners", "*.example.com", "syncer");
        await Server.CliAsync("SET", "unrelated", "x");

        var run = await RunAsync(Server, "route", "list");

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Out); // piped: JSON by default
        var rows = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("host").GetString()!);
        Assert.Equal(["*.example.com", "d.example.com", "h.example.com", "n.example.com"], rows.Keys.ToArray());
        Assert.Equal("native", rows["n.example.com"].GetProperty("schema").GetString());
        Assert.Equal(2, rows["n.example.com"].GetProperty("backends").GetInt32());
        Assert.Equal("random", rows["n.example.com"].GetProperty("lb").GetString());
        Assert.Equal("hipache", rows["h.example.com"].GetProperty("schema").GetString());
        Assert.Equal(1, rows["h.example.com"].GetProperty("backends").GetInt32());
        Assert.Equal("declared", rows["d.example.com"].GetProperty("schema").GetString());
        Assert.Equal("syncer", rows["*.example.com"].GetProperty("owner").GetString());
        Assert.Equal("manual", rows["n.example.com"].GetProperty("owner").GetString());
    }

    [Fact]
    public async Task List_Match_FiltersByGlob()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.shop.com", "http://1:80");
        await Server.CliAsync("SADD", "entrance:backends:b.other.com", "http://1:80");
        await Server.CliAsync("RPUSH", "frontend:c.shop.com", "id", "http://1:80");

        var run = await RunAsync(Server, "route", "list", "--match", "*.shop.com", "--output", "plain");

        Assert.Equal(0, run.Exit);
        var hosts = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]).ToArray();
        Assert.Equal(["a.shop.com", "c.shop.com"], hosts);
    }

    [Fact]
    public async Task List_OnTerminal_PrintsTable()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80");

        var run = await RunWithAsync(Server, null, true, "route", "list");

        Assert.Equal(0, run.Exit);
        Assert.Contains("HOST", run.Out);
        Assert.Contains("│ a.example.com", run.Out);
        Assert.Contains("1 route(s)", run.Out);
    }

    [Fact]
    public async Task List_KeysCommandDisabled_StillWorksWithScan()
    {
        // A production Redis often renames KEYS away; the CLI must only ever SCAN.
        await using var server = await RedisServer.StartAsync("--rename-command", "KEYS", "");
        await server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80");
        for (var i = 0; i < 2500; i++)
        {
            await server.Db.SetAddAsync($"entrance:backends:h{i}.example.com", "http://1:80");
        }

        var run = await RunAsync(server, "route", "list", "--output", "plain");

        Assert.Equal(0, run.Exit);
        Assert.Equal(2501, run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Show_WildcardMatch_ReportsMatchedKeyBackendsAndDeadMarks()
    {
        var until = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();
        await Server.CliAsync("SADD", "entrance:backends:*.example.com", "http://1:80", "http://2:80");
        await Server.CliAsync("ZADD", "entrance:dead:*.example.com", until.ToString(), "http://2:80");
        await Server.CliAsync("HSET", "entrance:host:*.example.com", "lb", "round-robin");

        var run = await RunAsync(Server, "route", "show", "A.B.Example.com:443");

        Assert.True(run.Exit == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.Equal("a.b.example.com", root.GetProperty("host").GetString());
        Assert.Equal("*.example.com", root.GetProperty("routeName").GetString());
        Assert.Equal("entrance:backends:*.example.com", root.GetProperty("matchedKey").GetString());
        Assert.Equal("wildcard", root.GetProperty("match").GetString());
        Assert.Equal("native", root.GetProperty("schema").GetString());
        Assert.Equal("round-robin", root.GetProperty("settings").GetProperty("lb").GetString());
        var backends = root.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("url").GetString()!);
        Assert.False(backends["http://1:80"].GetProperty("dead").GetBoolean());
        Assert.True(backends["http://2:80"].GetProperty("dead").GetBoolean());
        Assert.Equal(until, backends["http://2:80"].GetProperty("deadUntil").GetDateTimeOffset().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Show_HipacheFrontend_ReportsHipacheKeyAndTable()
    {
        await Server.CliAsync("RPUSH", "frontend:h.example.com", "myapp", "http://1:80", "http://2:80");
        await Server.CliAsync("SADD", "dead:h.example.com", "1");
        await Server.CliAsync("EXPIRE", "dead:h.example.com", "60");

        var run = await RunWithAsync(Server, null, true, "route", "show", "h.example.com");

        Assert.Equal(0, run.Exit);
        Assert.Contains("frontend:h.example.com (exact, hipache)", run.Out);
        Assert.Contains("myapp", run.Out);
        Assert.Contains("http://2:80  DEAD until", run.Out);
    }

    [Fact]
    public async Task Show_NoRoute_SaysSoExit0()
    {
        var run = await RunAsync(Server, "--output", "plain", "route", "show", "nothing.example.com");

        Assert.Equal(0, run.Exit);
        Assert.Contains("no route matches", run.Out);
    }

    [Fact]
    public async Task Set_Lb_WritesHashAndPublishes()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "route", "set", "a.example.com", "--lb", "round-robin");

        Assert.Equal(0, run.Exit);
        Assert.Equal("round-robin", await Server.CliAsync("HGET", "entrance:host:a.example.com", "lb"));
        Assert.Contains("lb: default -> round-robin", run.Out);
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "a.example.com"), TimeSpan.FromSeconds(5), "set publishes");

        var reset = await RunAsync(Server, "route", "set", "a.example.com", "--lb", "default");
        Assert.Equal(0, reset.Exit);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:host:a.example.com"));
    }

    [Fact]
    public async Task Set_UnknownPolicy_Exit2NothingWritten()
    {
        var run = await RunAsync(Server, "route", "set", "a.example.com", "--lb", "fastest");

        Assert.Equal(2, run.Exit);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Set_StickyAndHealth_WritesFieldsThenOffRemovesThem()
    {
        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80");

        var run = await RunAsync(Server, "route", "set", "a.example.com", "--sticky", "1", "--health-path", "/healthz", "--health-interval", "2s",
            "--health-timeout", "500ms", "--health-fails", "4", "--health-passes", "1", "--sticky-on", "JSESSIONID");

        Assert.True(run.Exit == 0, run.ToString());
        foreach (var (field, value) in new[] { ("sticky", "1"), ("sticky_on", "JSESSIONID"), ("health_path", "/healthz"), ("health_interval", "2s"), ("health_timeout", "500ms"), ("health_fails", "4"), ("health_passes", "1") })
        {
            Assert.Equal(value, await Server.CliAsync("HGET", "entrance:host:a.example.com", field));
        }
        Assert.Contains("~ a.example.com health_path: unset -> /healthz", run.Out);

        var off = await RunAsync(Server, "route", "set", "a.example.com", "--sticky", "off", "--sticky-on", "off", "--health-path", "off",
            "--health-interval", "default", "--health-timeout", "default", "--health-fails", "default", "--health-passes", "default");
        Assert.Equal(0, off.Exit);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:host:a.example.com"));
    }

    [Theory]
    [InlineData("--health-interval", "5")]
    [InlineData("--health-interval", "10ms")]
    [InlineData("--health-fails", "0")]
    [InlineData("--health-passes", "-1")]
    [InlineData("--health-path", "healthz")]
    [InlineData("--sticky", "bad;name")]
    [InlineData("--sticky-on", "a b")]
    public async Task Set_BadBackendSetting_Exit2NothingWritten(string option, string value)
    {
        var run = await RunAsync(Server, "route", "set", "a.example.com", "--health-path", "/ok", option, value);

        Assert.Equal(2, run.Exit);
        Assert.Contains("error:", run.Err);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Set_NothingGiven_Exit2()
    {
        var run = await RunAsync(Server, "route", "set", "a.example.com");

        Assert.Equal(2, run.Exit);
        Assert.Contains("nothing to set", run.Err);
    }
}
