using Entrance.Core.Schema;
using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class RouteWriterTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly Dictionary<string, string> NoSettings = [];
    private RedisConnection _connection = null!;
    private RouteWriter _writer = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        _writer = new RouteWriter(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task ApplyAsync_NewHost_WritesBackendsSettingsAndOwner()
    {
        var result = await _writer.ApplyAsync(new RouteSpec("a.example.com", ["http://1:80", "http://2:80"], new Dictionary<string, string> { ["lb"] = "random" }), "apply", OwnershipMode.Claim);

        Assert.Null(result.Conflict);
        Assert.Equal(["http://1:80", "http://2:80"], result.Added.Order());
        Assert.Equal(1, result.SettingsChanged);
        Assert.Equal("http://1:80\nhttp://2:80", string.Join('\n', (await redis.Server.CliAsync("SMEMBERS", "entrance:backends:a.example.com")).Split('\n').Order()));
        Assert.Equal("random", await redis.Server.CliAsync("HGET", "entrance:host:a.example.com", "lb"));
        Assert.Equal("apply", await redis.Server.CliAsync("HGET", "entrance:owners", "a.example.com"));
    }

    [Fact]
    public async Task ApplyAsync_SameSpecTwice_SecondChangesNothing()
    {
        var spec = new RouteSpec("a.example.com", ["http://1:80"], NoSettings);
        await _writer.ApplyAsync(spec, "apply", OwnershipMode.Claim);

        var second = await _writer.ApplyAsync(spec, "apply", OwnershipMode.Claim);

        Assert.False(second.Changed);
    }

    [Fact]
    public async Task ApplyAsync_ReplaceBackends_ReportsDiff()
    {
        await _writer.ApplyAsync(new RouteSpec("a.example.com", ["http://1:80", "http://2:80"], NoSettings), "apply", OwnershipMode.Claim);

        var result = await _writer.ApplyAsync(new RouteSpec("a.example.com", ["http://2:80", "http://3:80"], NoSettings), "apply", OwnershipMode.Claim);

        Assert.Equal(["http://3:80"], result.Added);
        Assert.Equal(["http://1:80"], result.Removed);
    }

    [Fact]
    public async Task ApplyAsync_OwnedOnlyOnHandWrittenHost_ConflictAndUntouched()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:hand.example.com", "http://hand:80");

        var result = await _writer.ApplyAsync(new RouteSpec("hand.example.com", ["http://k8s:80"], NoSettings), "syncer", OwnershipMode.OwnedOnly);

        Assert.Equal("manual", result.Conflict);
        Assert.Equal("http://hand:80", await redis.Server.CliAsync("SMEMBERS", "entrance:backends:hand.example.com"));
    }

    [Fact]
    public async Task ApplyAsync_ClaimOnForeignOwner_Conflict()
    {
        await _writer.ApplyAsync(new RouteSpec("k.example.com", ["http://k8s:80"], NoSettings), "syncer", OwnershipMode.OwnedOnly);

        var result = await _writer.ApplyAsync(new RouteSpec("k.example.com", ["http://cli:80"], NoSettings), "apply", OwnershipMode.Claim);

        Assert.Equal("syncer", result.Conflict);
    }

    [Fact]
    public async Task ApplyAsync_Change_PublishesRouteName()
    {
        var sub = redis.Server.Client.GetSubscriber();
        var got = new TaskCompletionSource<string>();
        await sub.SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), (_, m) => got.TrySetResult(m!));

        await _writer.ApplyAsync(new RouteSpec("p.example.com", ["http://1:80"], NoSettings), "apply", OwnershipMode.Claim);

        Assert.Equal("p.example.com", await got.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        await sub.UnsubscribeAllAsync();
    }

    [Fact]
    public async Task RemoveAsync_RequiredOwnerMismatch_ConflictNamingTheOwner()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:hand.example.com", "http://hand:80");

        Assert.Equal(RemoveResult.OwnedBy("manual"), await _writer.RemoveAsync("hand.example.com", "apply", includeHipache: false));
        Assert.Equal("1", await redis.Server.CliAsync("EXISTS", "entrance:backends:hand.example.com"));
    }

    [Fact]
    public async Task RemoveAsync_AnyOwner_RemovedThenNotFound()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:hand.example.com", "http://hand:80");

        Assert.Equal(RemoveResult.Removed, await _writer.RemoveAsync("hand.example.com", null, includeHipache: false));
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:backends:hand.example.com"));
        Assert.Equal(RemoveResult.NotFound, await _writer.RemoveAsync("hand.example.com", null, includeHipache: false));
    }
}
