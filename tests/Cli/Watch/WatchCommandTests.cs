using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Watch;

public class WatchCommandTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private RedisServer Server => redis.Server;

    [Fact]
    public async Task Watch_ChangedAndDeadEvents_PrintsJsonLines()
    {
        var watching = RunAsync(Server, "watch", "--count", "2");

        // The two channels are subscribed asynchronously, each on its own: publish once both are (publishing before, a
        // "changed" could arrive twice while "dead" was not subscribed yet, and --count 2 would end on two of a kind).
        await Eventually.TrueAsync(async () =>
        {
            var counts = (await Server.CliAsync("PUBSUB", "NUMSUB", "entrance:changed", "dead")).Split('\n');
            return counts.Length >= 4 && counts[1].Trim() != "0" && counts[3].Trim() != "0";
        }, TimeSpan.FromSeconds(20), "the watcher subscribed to both channels");
        await Server.CliAsync("PUBLISH", "entrance:changed", "shop.example.com");
        await Server.CliAsync("PUBLISH", "dead", "shop.example.com;http://10.0.0.5:8080;0;2");

        var run = await watching.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, run.Exit);
        var events = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "changed" && e.GetProperty("host").GetString() == "shop.example.com");
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "dead" && e.GetProperty("detail").GetString() == "http://10.0.0.5:8080;0;2");
    }

    [Fact]
    public async Task Watch_Keyspace_ShowsRawRedisCliWrites()
    {
        var watching = RunAsync(Server, "--output", "plain", "watch", "--keyspace", "--count", "1");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        var i = 0;
        while (!watching.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Server.CliAsync("SADD", "entrance:backends:raw.example.com", $"http://{i++}:80");
            await Task.WhenAny(watching, Task.Delay(50));
        }

        var run = await watching;
        Assert.Equal(0, run.Exit);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3}  keyspace  raw\.example\.com  sadd entrance:backends:raw\.example\.com\n$", run.Out);
    }

    [Fact]
    public async Task Watch_Cancelled_ExitsZero()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var stdout = new StringWriter();

        var exit = await CliApp.RunAsync(["--redis", Server.Configuration, "watch"], stdout, new StringWriter(), new StringReader(""), false, _ => null, cancel.Token);

        Assert.Equal(0, exit);
    }
}
