using System.Text.Json;
using Entrance.Cli.Apply;
using Entrance.Cli.Input;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Apply;

/// <summary>The <c>tcp:</c> section of apply files, against a real redis-server, and its export round trip.</summary>
public sealed class ApplyTcpTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string File = """
        hosts:
          - host: shop.example.com
            backends: ["http://10.0.0.5:8080"]
        tcp:
          - port: 30001
            backends: ["10.0.0.5:5432", "DB.internal:5432"]
            lb: least-connections
            proxy_protocol: v2
          - port: 30002
            backends: ["10.0.0.7:1883"]
        """;

    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<CliRun> ApplyAsync(string file, params string[] extra) => RunWithAsync(Server, file, false, ["apply", "-f", "-", .. extra]);

    [Fact]
    public async Task Apply_TcpSection_WritesRoutesOwnedByApplyAndIsIdempotent()
    {
        var changed = await SubscribeChangedAsync(Server);

        var first = await ApplyAsync(File);
        var second = await ApplyAsync(File);

        Assert.True(first.Exit == 0, first.ToString());
        Assert.Contains("+ tcp 30001 (new)", first.Out);
        Assert.Contains("    + proxy_protocol: v2", first.Out);
        Assert.Equal(["10.0.0.5:5432", "db.internal:5432"], await MembersAsync(Server, "entrance:tcp:30001"));
        Assert.Equal("least-connections", await Server.CliAsync("HGET", "entrance:tcp-settings:30001", "lb"));
        Assert.Equal("apply", await Server.CliAsync("HGET", "entrance:tcp-owners", "30002"));
        Assert.Equal(["http://10.0.0.5:8080"], await MembersAsync(Server, "entrance:backends:shop.example.com"));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "tcp:30002"), TimeSpan.FromSeconds(5), "apply publishes tcp:<port>");
        Assert.True(second.Exit == 0, second.ToString());
        Assert.Contains("TCP: 0 to add, 0 to change, 0 to remove, 2 unchanged.", second.Out);
    }

    [Fact]
    public async Task Apply_ChangedAndDroppedTcpRoutes_DiffThenPrune()
    {
        await ApplyAsync(File);
        var next = """
            tcp:
              - port: 30001
                backends: ["10.0.0.5:5432"]
            """;

        var dry = await ApplyAsync(next, "--dry-run");
        var kept = await ApplyAsync(next);
        var pruned = await ApplyAsync(next, "--prune");

        Assert.Equal(3, dry.Exit);
        Assert.Contains("~ tcp 30001", dry.Out);
        Assert.Contains("    - db.internal:5432", dry.Out);
        Assert.Contains("    - lb: least-connections", dry.Out);
        Assert.Contains("not in the file (kept; --prune removes them): 30002", kept.Out);
        Assert.Equal(["10.0.0.5:5432"], await MembersAsync(Server, "entrance:tcp:30001"));
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:tcp-settings:30001", "lb"));
        Assert.True(pruned.Exit == 0, pruned.ToString());
        Assert.Contains("- tcp 30002 (pruned: no longer in the file)", pruned.Out);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:tcp:30002"));
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:tcp-owners", "30002"));
    }

    [Fact]
    public async Task Apply_TcpRouteOwnedBySyncer_RefusedNothingWritten()
    {
        await Server.CliAsync("SADD", "entrance:tcp:30001", "10.9.9.9:5432");
        await Server.CliAsync("HSET", "entrance:tcp-owners", "30001", "syncer");

        var run = await ApplyAsync(File);

        Assert.Equal(2, run.Exit);
        Assert.Contains("tcp 30001 is managed by 'syncer'", run.Err);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:tcp:30002"));
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:backends:shop.example.com"));
    }

    [Fact]
    public void Parse_BadTcpEntries_EveryErrorWithPosition()
    {
        var text = """
            tcp:
              - port: 70000
                backends: ["10.0.0.1:22"]
              - port: 30001
                backends: ["10.0.0.1", "10.0.0.2:22", "10.0.0.2:22"]
                lb: p2c
                colour: blue
              - port: 30001
                backends: []
              - backends: ["10.0.0.3:22"]
            """;

        var error = Assert.Throws<CliInputException>(() => ApplyFile.ParseAll(text, "r.yaml"));

        Assert.Contains(error.Errors, e => e.StartsWith("r.yaml:2:") && e.Contains("invalid TCP port \"70000\""));
        Assert.Contains(error.Errors, e => e.StartsWith("r.yaml:5:") && e.Contains("invalid TCP backend \"10.0.0.1\""));
        Assert.Contains(error.Errors, e => e.Contains("duplicate TCP backend"));
        Assert.Contains(error.Errors, e => e.StartsWith("r.yaml:6:") && e.Contains("invalid lb \"p2c\""));
        Assert.Contains(error.Errors, e => e.StartsWith("r.yaml:7:") && e.Contains("unknown key 'colour'"));
        Assert.Contains(error.Errors, e => e.Contains("duplicate TCP port 30001"));
        Assert.Contains(error.Errors, e => e.Contains("TCP entry without 'port'"));
    }

    [Fact]
    public async Task Apply_BadTcpSection_Exit2NothingWritten()
    {
        var run = await ApplyAsync("hosts:\n  - host: a.example.com\n    backends: [\"http://1:80\"]\ntcp:\n  - port: 0\n    backends: [\"10.0.0.1:22\"]\n");

        Assert.Equal(2, run.Exit);
        Assert.Equal("", await DumpAsync(Server));
    }

    [Fact]
    public async Task Export_TcpRoutes_RoundTripThroughApply()
    {
        await ApplyAsync(File);
        await Server.CliAsync("HSET", "entrance:tcp-settings:30002", "idle_timeout", "5m");

        var yaml = await RunAsync(Server, "export");
        var json = await RunAsync(Server, "export", "--format", "json");
        await Server.CliAsync("FLUSHALL");
        var apply = await ApplyAsync(yaml.Out);

        Assert.Contains("tcp:\n  - port: 30001\n", yaml.Out);
        Assert.Contains("    idle_timeout: \"5m\"", yaml.Out);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(2, doc.RootElement.GetProperty("tcp").GetArrayLength());
        Assert.True(apply.Exit == 0, apply.ToString());
        Assert.Equal(["10.0.0.5:5432", "db.internal:5432"], await MembersAsync(Server, "entrance:tcp:30001"));
        Assert.Equal("5m", await Server.CliAsync("HGET", "entrance:tcp-settings:30002", "idle_timeout"));
        Assert.Equal("v2", await Server.CliAsync("HGET", "entrance:tcp-settings:30001", "proxy_protocol"));
    }
}
