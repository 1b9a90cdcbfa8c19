using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Migrate;

public class MigrateHipacheCommandTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisServer Server => redis.Server;

    public async Task InitializeAsync()
    {
        await Server.CliAsync("FLUSHALL");
        await Server.CliAsync("RPUSH", "frontend:a.example.com", "a", "http://1:80", "http://2:80");
        await Server.CliAsync("SADD", "dead:a.example.com", "1");
        await Server.CliAsync("EXPIRE", "dead:a.example.com", "60");
        await Server.CliAsync("RPUSH", "frontend:*.b.example.com", "b", "http://3:80");
        await Server.CliAsync("RPUSH", "frontend:native.example.com", "n", "http://old:80");
        await Server.CliAsync("SADD", "entrance:backends:native.example.com", "http://new:80");
        await Server.CliAsync("RPUSH", "frontend:empty.example.com", "e");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task DryRun_ListsWhatWouldBeCopied_WritesNothingExits3()
    {
        var before = await DumpAsync(Server);

        var run = await RunAsync(Server, "migrate-hipache", "--dry-run");

        Assert.Equal(3, run.Exit);
        Assert.Contains("+ a.example.com (2 backend(s): http://1:80 http://2:80)", run.Out);
        Assert.Contains("= native.example.com: native set exists, skipped", run.Out);
        Assert.Contains("Dry run: 2 of 4 hipache frontend(s) would be copied; nothing written.", run.Out);
        Assert.Equal(before, await DumpAsync(Server));
    }

    [Fact]
    public async Task Migrate_CopiesFrontendsWithDeadMarks_SkipsNativeKeepsHipache()
    {
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "migrate-hipache");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(["http://1:80", "http://2:80"], await MembersAsync(Server, "entrance:backends:a.example.com"));
        Assert.Equal(["http://3:80"], await MembersAsync(Server, "entrance:backends:*.b.example.com"));
        Assert.Equal(["http://new:80"], await MembersAsync(Server, "entrance:backends:native.example.com"));
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:backends:empty.example.com"));
        Assert.Equal("http://2:80", await Server.CliAsync("ZRANGE", "entrance:dead:a.example.com", "0", "-1"));
        var expiry = long.Parse(await Server.CliAsync("ZSCORE", "entrance:dead:a.example.com", "http://2:80"));
        Assert.InRange(expiry - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 50_000, 61_000);
        Assert.Equal("a\nhttp://1:80\nhttp://2:80", await Server.CliAsync("LRANGE", "frontend:a.example.com", "0", "-1"));
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:owners", "a.example.com")); // hand-written: never pruned
        await Eventually.TrueAsync(async () => await ReceivedAsync(changed, "a.example.com") && await ReceivedAsync(changed, "*.b.example.com"), TimeSpan.FromSeconds(5), "migrate publishes");

        var again = await RunAsync(Server, "migrate-hipache");
        Assert.Contains("Copied 0 of 4", again.Out);
        Assert.Equal(0, (await RunAsync(Server, "migrate-hipache", "--dry-run")).Exit);
    }
}
