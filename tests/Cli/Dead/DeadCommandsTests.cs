using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Dead;

public class DeadCommandsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task SeedAsync()
    {
        var future = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();
        var past = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        await Server.CliAsync("SADD", "entrance:backends:n.example.com", "http://1:80", "http://2:80");
        await Server.CliAsync("ZADD", "entrance:dead:n.example.com", future.ToString(), "http://1:80", past.ToString(), "http://2:80");
        await Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://3:80", "http://4:80");
        await Server.CliAsync("SADD", "dead:h.example.com", "1");
        await Server.CliAsync("EXPIRE", "dead:h.example.com", "30");
    }

    [Fact]
    public async Task List_AllHosts_NativeAndHipacheMarksInForce()
    {
        await SeedAsync();

        var run = await RunAsync(Server, "dead", "list");

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Out);
        var marks = json.RootElement.EnumerateArray().Select(e => $"{e.GetProperty("host").GetString()} {e.GetProperty("url").GetString()} {e.GetProperty("schema").GetString()}").ToArray();
        Assert.Equal(["h.example.com http://4:80 hipache", "n.example.com http://1:80 native"], marks); // the expired native mark is not listed
        var hipacheExpiry = json.RootElement[0].GetProperty("expires").GetDateTimeOffset();
        Assert.InRange(hipacheExpiry, DateTimeOffset.UtcNow.AddSeconds(20), DateTimeOffset.UtcNow.AddSeconds(31));
    }

    [Fact]
    public async Task List_OneHost_OnlyThatHost()
    {
        await SeedAsync();

        var run = await RunAsync(Server, "--output", "plain", "dead", "list", "n.example.com");

        Assert.Equal(0, run.Exit);
        var line = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("n.example.com\thttp://1:80\tnative\t", line);
    }

    [Fact]
    public async Task Clear_Host_RemovesBothSchemasMarksAndPublishes()
    {
        await SeedAsync();
        await Server.CliAsync("SADD", "dead:n.example.com", "0");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "dead", "clear", "n.example.com");

        Assert.Equal(0, run.Exit);
        Assert.Contains("cleared 3 dead mark(s)", run.Out);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:dead:n.example.com", "dead:n.example.com"));
        Assert.Equal("1", await Server.CliAsync("EXISTS", "dead:h.example.com"));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "n.example.com"), TimeSpan.FromSeconds(5), "clear publishes");
    }

    [Fact]
    public async Task Clear_InvalidHost_Exit2()
    {
        var run = await RunAsync(Server, "dead", "clear", "bad host");

        Assert.Equal(2, run.Exit);
    }
}
