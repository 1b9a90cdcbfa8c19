using Entrance.Core.Store;
using Entrance.Testing;
using StackExchange.Redis;

namespace Entrance.Core.Tests.Store;

public sealed class TcpRouteWriterTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly Dictionary<string, string> NoSettings = [];
    private RedisConnection _connection = null!;
    private TcpRouteWriter _writer = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        _writer = new TcpRouteWriter(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task ApplyAsync_NewPort_WritesBackendsSettingsOwnerAndPublishes()
    {
        var published = new List<string>();
        var subscriber = redis.Server.Client.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal("entrance:changed"), (_, m) => { lock (published) { published.Add(m!); } });

        var result = await _writer.ApplyAsync(new TcpRouteSpec(30001, ["10.0.0.5:5432", "db.internal:5432"], new Dictionary<string, string> { ["lb"] = "least-connections" }), "apply", OwnershipMode.Claim);

        Assert.Null(result.Conflict);
        Assert.Equal(["10.0.0.5:5432", "db.internal:5432"], result.Added.Order());
        Assert.Equal("least-connections", await redis.Server.CliAsync("HGET", "entrance:tcp-settings:30001", "lb"));
        Assert.Equal("apply", await redis.Server.CliAsync("HGET", "entrance:tcp-owners", "30001"));
        await Eventually.TrueAsync(() => { lock (published) { return Task.FromResult(published.Contains("tcp:30001")); } }, TimeSpan.FromSeconds(10), "the change is published");
    }

    [Fact]
    public async Task ApplyAsync_OwnedOnlyOnHandWrittenPort_ConflictNothingWritten()
    {
        await redis.Server.CliAsync("SADD", "entrance:tcp:30002", "10.0.0.1:22");

        var result = await _writer.ApplyAsync(new TcpRouteSpec(30002, ["10.0.0.9:22"], NoSettings), "syncer", OwnershipMode.OwnedOnly);

        Assert.Equal("manual", result.Conflict);
        Assert.Equal("10.0.0.1:22", await redis.Server.CliAsync("SMEMBERS", "entrance:tcp:30002"));
    }

    [Fact]
    public async Task ApplyAsync_FewerBackends_RemovesTheRestAndTheirDeadMarks()
    {
        await _writer.ApplyAsync(new TcpRouteSpec(30003, ["10.0.0.1:22", "10.0.0.2:22"], NoSettings), "apply", OwnershipMode.Claim);
        await redis.Server.CliAsync("ZADD", "entrance:tcp-dead:30003", "99999999999999", "10.0.0.2:22");

        var result = await _writer.ApplyAsync(new TcpRouteSpec(30003, ["10.0.0.1:22"], NoSettings), "apply", OwnershipMode.Claim);

        Assert.Equal(["10.0.0.2:22"], result.Removed);
        Assert.Equal("0", await redis.Server.CliAsync("ZCARD", "entrance:tcp-dead:30003"));
    }

    [Fact]
    public async Task AddAndRemoveBackends_EditsWhatIsThere()
    {
        var added = await _writer.AddAsync(30004, ["10.0.0.1:22", "10.0.0.2:22"], new Dictionary<string, string> { ["proxy_protocol"] = "v2" });
        var again = await _writer.AddAsync(30004, ["10.0.0.1:22"], NoSettings);
        var removed = await _writer.RemoveBackendsAsync(30004, ["10.0.0.2:22", "10.0.0.7:22"]);

        Assert.Equal(2, added.Backends.Count);
        Assert.Equal(1, added.SettingsChanged);
        Assert.Empty(again.Backends);
        Assert.Equal(["10.0.0.2:22"], removed.Backends);
        Assert.Equal(1, removed.BackendsLeft);
        var view = await _writer.ShowAsync(30004);
        Assert.Equal(["10.0.0.1:22"], view!.Backends);
        Assert.Equal("v2", view.Settings["proxy_protocol"]);
        Assert.Null(view.Owner);
    }

    [Fact]
    public async Task RemoveAsync_RequiredOwnerDiffers_ConflictElseRemovedWhole()
    {
        await _writer.ApplyAsync(new TcpRouteSpec(30005, ["10.0.0.1:22"], new Dictionary<string, string> { ["max_connections"] = "10" }), "syncer", OwnershipMode.Claim);

        Assert.Equal(RemoveOutcome.Conflict, (await _writer.RemoveAsync(30005, "apply")).Outcome);
        Assert.Equal(RemoveOutcome.Removed, (await _writer.RemoveAsync(30005, "syncer")).Outcome);
        Assert.Equal(RemoveOutcome.NotFound, (await _writer.RemoveAsync(30005)).Outcome);
        Assert.Null(await _writer.ShowAsync(30005));
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:tcp-settings:30005"));
    }

    [Fact]
    public async Task PortsAsync_BackendsOrSettingsOnly_BothListedAscending()
    {
        await _writer.AddAsync(30010, ["10.0.0.1:22"], NoSettings);
        await redis.Server.CliAsync("HSET", "entrance:tcp-settings:3000", "lb", "random");
        await redis.Server.CliAsync("SADD", "entrance:tcp:notaport", "x:1");

        Assert.Equal([3000, 30010], await _writer.PortsAsync());
    }

    [Fact]
    public async Task Writes_InvalidInput_ThrowNothingWritten()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _writer.AddAsync(0, ["10.0.0.1:22"], NoSettings));
        await Assert.ThrowsAsync<ArgumentException>(() => _writer.AddAsync(30020, ["10.0.0.1"], NoSettings));
        await Assert.ThrowsAsync<ArgumentException>(() => _writer.AddAsync(30020, ["10.0.0.1:22"], new Dictionary<string, string> { ["lb"] = "p2c" }));

        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:tcp:30020"));
    }
}
