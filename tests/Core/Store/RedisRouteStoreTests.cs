using Entrance.Core.Schema;
using Entrance.Core.Store;
using Entrance.Testing;
using StackExchange.Redis;

namespace Entrance.Core.Tests.Store;

public class RedisRouteStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private RedisRouteStore _store = null!;

    private IDatabase Db => redis.Server.Db;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        _store = new RedisRouteStore(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task ResolveAsync_ExactNative_ReturnsSortedBackends()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:shop.example.com", "http://10.0.0.6:8080", "http://10.0.0.5:8080");

        var route = await _store.ResolveAsync("shop.example.com");

        Assert.NotNull(route);
        Assert.Equal(RouteSchema.Native, route.Schema);
        Assert.Equal("shop.example.com", route.RouteName);
        Assert.Equal("entrance:backends:shop.example.com", route.MatchedKey);
        Assert.Equal(["http://10.0.0.5:8080", "http://10.0.0.6:8080"], route.Backends);
        Assert.Empty(route.Dead);
    }

    [Fact]
    public async Task ResolveAsync_Unknown_ReturnsNull()
    {
        Assert.Null(await _store.ResolveAsync("nobody.example.com"));
    }

    [Fact]
    public async Task ResolveAsync_ExactAndWildcard_ExactWins()
    {
        await Db.SetAddAsync("entrance:backends:*.example.com", "http://wild:1");
        await Db.SetAddAsync("entrance:backends:www.example.com", "http://exact:1");

        Assert.Equal("www.example.com", (await _store.ResolveAsync("www.example.com"))!.RouteName);
        Assert.Equal("*.example.com", (await _store.ResolveAsync("api.example.com"))!.RouteName);
    }

    [Fact]
    public async Task ResolveAsync_NestedWildcards_DeepestWins()
    {
        await Db.SetAddAsync("entrance:backends:*.example.com", "http://shallow:1");
        await Db.SetAddAsync("entrance:backends:*.eu.example.com", "http://deep:1");

        Assert.Equal("*.eu.example.com", (await _store.ResolveAsync("a.b.eu.example.com"))!.RouteName);
        Assert.Equal("*.example.com", (await _store.ResolveAsync("a.us.example.com"))!.RouteName);
    }

    [Fact]
    public async Task ResolveAsync_WildcardParentOverFiveLabels_NeverTried()
    {
        await Db.SetAddAsync("entrance:backends:*.b.c.d.e.f.g", "http://too-deep:1");
        Assert.Null(await _store.ResolveAsync("a.b.c.d.e.f.g"));

        await Db.SetAddAsync("entrance:backends:*.c.d.e.f.g", "http://five:1");
        Assert.Equal("*.c.d.e.f.g", (await _store.ResolveAsync("a.b.c.d.e.f.g"))!.RouteName);
    }

    [Fact]
    public async Task ResolveAsync_WildcardDoesNotMatchItsOwnParent()
    {
        await Db.SetAddAsync("entrance:backends:*.foo.bar", "http://wild:1");
        Assert.Null(await _store.ResolveAsync("foo.bar"));
        Assert.NotNull(await _store.ResolveAsync("x.foo.bar"));
    }

    [Fact]
    public async Task ResolveAsync_CatchAll_MatchesLast()
    {
        await Db.SetAddAsync("entrance:backends:*", "http://default:1");
        await Db.SetAddAsync("entrance:backends:*.example.com", "http://wild:1");

        Assert.Equal("*", (await _store.ResolveAsync("other.org"))!.RouteName);
        Assert.Equal("*.example.com", (await _store.ResolveAsync("a.example.com"))!.RouteName);
    }

    [Fact]
    public async Task ResolveAsync_Hipache_SkipsIdentifierAndMapsDeadIndexes()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:legacy.example.com", "legacy", "http://10.0.0.1:80", "http://10.0.0.2:80", "http://10.0.0.3:80");
        await redis.Server.CliAsync("SADD", "dead:legacy.example.com", "1");
        await redis.Server.CliAsync("EXPIRE", "dead:legacy.example.com", "30");

        var route = await _store.ResolveAsync("legacy.example.com");

        Assert.NotNull(route);
        Assert.Equal(RouteSchema.Hipache, route.Schema);
        Assert.Equal("legacy", route.Identifier);
        Assert.Equal("frontend:legacy.example.com", route.MatchedKey);
        Assert.Equal(["http://10.0.0.1:80", "http://10.0.0.2:80", "http://10.0.0.3:80"], route.Backends);
        var mark = Assert.Single(route.Dead);
        Assert.Equal("http://10.0.0.2:80", mark.Url);
        Assert.InRange(mark.ExpiresAtUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 20_000, 31_000);
    }

    [Fact]
    public async Task ResolveAsync_SameHostInBothSchemas_NativeWins()
    {
        await Db.ListRightPushAsync("frontend:both.example.com", ["both", "http://hipache:1"]);
        await Db.SetAddAsync("entrance:backends:both.example.com", "http://native:1");

        var route = await _store.ResolveAsync("both.example.com");

        Assert.Equal(RouteSchema.Native, route!.Schema);
        Assert.Equal(["http://native:1"], route.Backends);
    }

    [Fact]
    public async Task ResolveAsync_ExactHipacheAndWildcardNative_ExactWins()
    {
        await Db.ListRightPushAsync("frontend:www.example.com", ["www", "http://hipache:1"]);
        await Db.SetAddAsync("entrance:backends:*.example.com", "http://native:1");

        Assert.Equal(RouteSchema.Hipache, (await _store.ResolveAsync("www.example.com"))!.Schema);
    }

    [Fact]
    public async Task ResolveAsync_NativeDeadMarks_OnlyUnexpiredReturned()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Db.SetAddAsync("entrance:backends:d.example.com", ["http://a:1", "http://b:1", "http://c:1"]);
        await Db.SortedSetAddAsync("entrance:dead:d.example.com", "http://b:1", now + 30_000);
        await Db.SortedSetAddAsync("entrance:dead:d.example.com", "http://c:1", now - 1_000);

        var route = await _store.ResolveAsync("d.example.com");

        var mark = Assert.Single(route!.Dead);
        Assert.Equal("http://b:1", mark.Url);
        Assert.Equal(1, mark.Index);
    }

    [Fact]
    public async Task ResolveAsync_NativeDeadMarkScoredInf_NeverExpires()
    {
        await Db.SetAddAsync("entrance:backends:inf.example.com", ["http://a:1", "http://b:1"]);
        await redis.Server.CliAsync("ZADD", "entrance:dead:inf.example.com", "+inf", "http://a:1");

        var route = await _store.ResolveAsync("inf.example.com");

        var mark = Assert.Single(route!.Dead);
        Assert.Equal(long.MaxValue, mark.ExpiresAtUnixMs);
    }

    [Theory]
    [InlineData("1795320294145", 1795320294145L)]
    [InlineData("1.795320294145e12", 1795320294145L)]
    [InlineData("inf", long.MaxValue)]
    public void TryParseExpiry_LuaScore_Parsed(string score, long expected)
    {
        Assert.True(RedisRouteStore.TryParseExpiry(score, out var expiry));
        Assert.Equal(expected, expiry);
    }

    [Fact]
    public async Task ResolveAsync_SettingsOnly_ReturnsDeclaredWithoutBackends()
    {
        await Db.HashSetAsync("entrance:host:empty.example.com", "lb", "round-robin");

        var route = await _store.ResolveAsync("empty.example.com");

        Assert.Equal(RouteSchema.Declared, route!.Schema);
        Assert.Empty(route.Backends);
        Assert.Equal("round-robin", route.LoadBalancing);
    }

    [Fact]
    public async Task ResolveAsync_SettingsOnHipacheHost_HipacheStillServes()
    {
        await Db.ListRightPushAsync("frontend:h.example.com", ["h", "http://hipache:1"]);
        await Db.HashSetAsync("entrance:host:h.example.com", "lb", "round-robin");

        var route = await _store.ResolveAsync("h.example.com");

        Assert.Equal(RouteSchema.Hipache, route!.Schema);
        Assert.Equal("round-robin", route.LoadBalancing);
    }

    [Fact]
    public async Task ResolveAsync_KeyPrefix_ReadsOnlyPrefixedKeys()
    {
        await Db.SetAddAsync("entrance:backends:p.example.com", "http://unprefixed:1");
        await Db.SetAddAsync("tenant:entrance:backends:p.example.com", "http://prefixed:1");
        using var connection = RedisConnection.Connect(redis.Server.Configuration, "tenant:", TimeSpan.FromSeconds(5));
        var store = new RedisRouteStore(connection);

        Assert.Equal(["http://prefixed:1"], (await store.ResolveAsync("p.example.com"))!.Backends);
    }

    [Fact]
    public async Task ResolveAsync_ScriptFlushed_ReloadsAndAnswers()
    {
        await Db.SetAddAsync("entrance:backends:s.example.com", "http://a:1");
        await _store.ResolveAsync("s.example.com");
        await redis.Server.CliAsync("SCRIPT", "FLUSH");

        Assert.NotNull(await _store.ResolveAsync("s.example.com"));
    }

    [Fact]
    public async Task ResolveAsync_RedisDown_ThrowsUnavailable()
    {
        var port = FreePort.Next();
        using var connection = RedisConnection.Connect($"127.0.0.1:{port}", null, TimeSpan.FromMilliseconds(200));
        var store = new RedisRouteStore(connection);

        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => store.ResolveAsync("a.example.com"));
    }

    [Fact]
    public async Task ResolveAsync_RedisFrozen_ThrowsUnavailableWithinTimeout()
    {
        using var connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromMilliseconds(300));
        var store = new RedisRouteStore(connection);
        await store.ResolveAsync("warm.example.com");
        await redis.Server.CliAsync("CLIENT", "PAUSE", "3000");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => store.ResolveAsync("frozen.example.com"));

        // Without the async timeout the call waits out the whole 3 s pause.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed.TotalMilliseconds} ms");
        await Task.Delay(3100);
    }

    [Fact]
    public async Task SubscribeAsync_PublishAndKeyspace_BothReported()
    {
        var changes = new System.Collections.Concurrent.ConcurrentQueue<RouteChange>();
        await _store.SubscribeAsync(changes.Enqueue);

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "Pub.example.com");
        await redis.Server.CliAsync("SADD", "entrance:backends:ks.example.com", "http://1:80");

        await Eventually.TrueAsync(() => Task.FromResult(changes.Contains(new RouteChange(RouteChangeKind.Route, "pub.example.com", RouteChangeOrigin.Publish))), TimeSpan.FromSeconds(5), "PUBLISH reported");
        await Eventually.TrueAsync(() => Task.FromResult(changes.Contains(new RouteChange(RouteChangeKind.Route, "ks.example.com", RouteChangeOrigin.Keyspace))), TimeSpan.FromSeconds(5), "keyspace event reported");
    }

    [Fact]
    public async Task SubscribeAsync_TcpPortPublished_NotReportedAsARoute()
    {
        var changes = new System.Collections.Concurrent.ConcurrentQueue<RouteChange>();
        await _store.SubscribeAsync(changes.Enqueue);

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "tcp:5432");
        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "after-tcp.example.com");

        // One channel delivers in order: once the second message is in, the first one was handled.
        await Eventually.TrueAsync(() => Task.FromResult(changes.Any(c => c.RouteName == "after-tcp.example.com")), TimeSpan.FromSeconds(5), "the route after it reported");
        Assert.DoesNotContain(changes, c => c.RouteName == "tcp:5432"); // TCP routes' own feed takes it (TcpRouteStore)
    }

    [Fact]
    public async Task SubscribeAsync_SubscriptionKilled_LostThenResubscribedThenDelivers()
    {
        var changes = new System.Collections.Concurrent.ConcurrentQueue<RouteChange>();
        await _store.SubscribeAsync(changes.Enqueue);

        await redis.Server.CliAsync("CLIENT", "KILL", "TYPE", "pubsub");

        // Routers drop their cache on a resubscribe: changes may have been missed while the subscription was down.
        // The client library raises its failed and restored events on different threads: either may be seen first.
        await Eventually.TrueAsync(() => Task.FromResult(changes.Any(c => c.Kind == RouteChangeKind.Resubscribed)), TimeSpan.FromSeconds(10), "resubscribed");
        await Eventually.TrueAsync(() => Task.FromResult(changes.Any(c => c.Kind == RouteChangeKind.SubscriptionLost)), TimeSpan.FromSeconds(10), "lost reported");
        await Eventually.TrueAsync(
            async () =>
            {
                await redis.Server.CliAsync("PUBLISH", "entrance:changed", "after.example.com");
                await Task.Delay(50);
                return changes.Any(c => c.RouteName == "after.example.com");
            },
            TimeSpan.FromSeconds(10),
            "delivered after the resubscribe");
    }

    [Fact]
    public async Task KeyspaceEventsEnabledAsync_ProjectConfig_ReportsEnabled()
    {
        Assert.True(await _store.KeyspaceEventsEnabledAsync());
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        try
        {
            Assert.False(await _store.KeyspaceEventsEnabledAsync());
        }
        finally
        {
            await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        }
    }

    [Theory]
    [InlineData("Kghlszx", true)]
    [InlineData("KA", true)]
    [InlineData("AKE", true)]
    [InlineData("Kgsl", false)]
    [InlineData("Eghlszx", false)]
    [InlineData("", false)]
    public void KeyspaceFlagsCover_Flags_AllSchemaTypesNeeded(string flags, bool expected)
    {
        Assert.Equal(expected, RedisRouteStore.KeyspaceFlagsCover(flags));
    }
}
