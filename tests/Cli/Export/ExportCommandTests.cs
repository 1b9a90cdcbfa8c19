using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Export;

public class ExportCommandTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Native, wildcard, catch-all, hipache-only, both schemas, declared, settings on a hipache frontend.</summary>
    private async Task SeedMixedAsync()
    {
        await Server.CliAsync("SADD", "entrance:backends:shop.example.com", "http://10.0.0.5:8080", "http://10.0.0.6:8080");
        await Server.CliAsync("HSET", "entrance:host:shop.example.com", "lb", "round-robin");
        await Server.CliAsync("SADD", "entrance:backends:*.apps.example.com", "https://10.0.0.7");
        await Server.CliAsync("SADD", "entrance:backends:*", "http://fallback:80");
        await Server.CliAsync("RPUSH", "frontend:legacy.example.com", "legacy", "http://10.9.0.1:80", "http://10.9.0.2:80");
        await Server.CliAsync("HSET", "entrance:host:legacy.example.com", "lb", "random");
        await Server.CliAsync("RPUSH", "frontend:both.example.com", "both", "http://old:80");
        await Server.CliAsync("SADD", "entrance:backends:both.example.com", "http://new:80");
        await Server.CliAsync("HSET", "entrance:host:declared.example.com", "lb", "p2c");
        await Server.CliAsync("SADD", "entrance:backends:quote\"d.example.com", "http://q:80"); // written raw: odd but must not break YAML
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public async Task Export_MixedDataIncludingHipache_RoundTripsThroughApply(string format)
    {
        await SeedMixedAsync();
        await Server.CliAsync("DEL", "entrance:backends:quote\"d.example.com"); // not a valid route name: apply would refuse it

        var first = await RunAsync(Server, "export", "--format", format);
        Assert.True(first.Exit == 0, first.ToString());

        // Applying the export to the same Redis changes no route (hipache frontends are served as exported)...
        var same = await RunWithAsync(Server, first.Out, false, "apply", "-f", "-", "--dry-run", "--output", "json");
        using (var plan = JsonDocument.Parse(same.Out))
        {
            // Every seeded route but the hipache-only one (served as exported) is hand-written, so apply would claim it:
            // five changes. Counted, since Assert.All passes vacuously on an empty list.
            var changes = plan.RootElement.GetProperty("changes").EnumerateArray().ToList();
            Assert.Equal(5, changes.Count);
            Assert.Equal(1, plan.RootElement.GetProperty("unchanged").GetInt32());
            Assert.All(changes, c =>
            {
                Assert.Empty(c.GetProperty("added").EnumerateArray());
                Assert.Empty(c.GetProperty("removed").EnumerateArray());
                Assert.Equal("manual", c.GetProperty("claimedFrom").GetString()); // only ownership would change
            });
        }

        // ...and applied to an empty Redis it reproduces every route, so a second export is identical.
        await Server.CliAsync("FLUSHALL");
        var apply = await RunWithAsync(Server, first.Out, false, "apply", "-f", "-");
        Assert.True(apply.Exit == 0, apply.ToString());
        var second = await RunAsync(Server, "export", "--format", format);
        Assert.Equal(first.Out, second.Out);
        Assert.Equal(["http://10.9.0.1:80", "http://10.9.0.2:80"], await MembersAsync(Server, "entrance:backends:legacy.example.com"));
        Assert.Equal("random", await Server.CliAsync("HGET", "entrance:host:legacy.example.com", "lb"));
        Assert.Equal("p2c", await Server.CliAsync("HGET", "entrance:host:declared.example.com", "lb"));
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public async Task Export_WeightsAndSettings_SurviveApplyToAnEmptyRedis(string format)
    {
        await Server.CliAsync("SADD", "entrance:backends:shop.example.com", "http://10.0.0.5:8080", "http://10.0.0.6:8080");
        await Server.CliAsync("HSET", "entrance:weights:shop.example.com", "http://10.0.0.6:8080", "5");
        await Server.CliAsync("HSET", "entrance:host:shop.example.com", "lb", "round-robin", "backend_timeout", "5m", "sticky", "1", "health_path", "/healthz");

        var first = await RunAsync(Server, "export", "--format", format);
        Assert.True(first.Exit == 0, first.ToString());
        await Server.CliAsync("FLUSHALL");
        var apply = await RunWithAsync(Server, first.Out, false, "apply", "-f", "-");
        Assert.True(apply.Exit == 0, apply.ToString());

        // Apply removes a setting its file leaves out: an export missing one would have lost it here.
        Assert.Equal("5", (await Server.CliAsync("HGET", "entrance:weights:shop.example.com", "http://10.0.0.6:8080")).Trim());
        foreach (var (field, value) in new[] { ("lb", "round-robin"), ("backend_timeout", "5m"), ("sticky", "1"), ("health_path", "/healthz") })
        {
            Assert.Equal(value, (await Server.CliAsync("HGET", "entrance:host:shop.example.com", field)).Trim());
        }

        var second = await RunAsync(Server, "export", "--format", format);
        Assert.Equal(first.Out, second.Out);
    }

    [Fact]
    public async Task Export_Yaml_HostsBackendsLbQuoted()
    {
        await SeedMixedAsync();

        var run = await RunAsync(Server, "export");

        Assert.Equal(0, run.Exit);
        Assert.StartsWith("hosts:\n  - host: \"*\"\n    backends:\n      - \"http://fallback:80\"\n", run.Out);
        Assert.Contains("  - host: \"both.example.com\"\n    backends:\n      - \"http://new:80\"\n", run.Out); // native wins
        Assert.Contains("  - host: \"legacy.example.com\"\n    backends:\n      - \"http://10.9.0.1:80\"\n      - \"http://10.9.0.2:80\"\n    lb: \"random\"\n", run.Out);
        Assert.Contains("  - host: \"declared.example.com\"\n    backends: []\n    lb: \"p2c\"\n", run.Out);
        Assert.Contains("  - host: \"quote\\\"d.example.com\"", run.Out);
    }

    [Fact]
    public async Task Export_Match_OnlyMatchingHosts()
    {
        await SeedMixedAsync();

        var run = await RunAsync(Server, "export", "--format", "json", "--match", "*.apps.example.com");

        using var json = JsonDocument.Parse(run.Out);
        var host = Assert.Single(json.RootElement.GetProperty("hosts").EnumerateArray());
        Assert.Equal("*.apps.example.com", host.GetProperty("host").GetString());
    }

    [Fact]
    public async Task Export_Empty_EmptyList()
    {
        var run = await RunAsync(Server, "export");

        Assert.Equal("hosts: []\n", run.Out);
    }
}
