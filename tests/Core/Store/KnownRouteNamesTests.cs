using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

/// <summary>
/// The wildcard index: which candidates a lookup probes, how a scan builds it from real keys, and that anything that
/// may have hidden a change (feed down, "everything changed") falls back to probing every candidate.
/// </summary>
public class KnownRouteNamesTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string Deep = "a.b.c.d.e.example.com";
    private RedisConnection _connection = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public void Candidates_Untrusted_EveryParentAndCatchAll()
    {
        var known = new KnownRouteNames();
        known.Observe("*.example.com");

        Assert.Equal(Core.Hosts.HostName.Candidates(Deep), known.Candidates(Deep));
    }

    [Fact]
    public async Task ScanAsync_Live_OnlyExistingWildcardsProbed()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:*.c.d.e.example.com", "http://10.0.0.1:80");
        await redis.Server.CliAsync("HSET", "entrance:host:*.example.com", "lb", "random"); // declared: settings only
        await redis.Server.CliAsync("RPUSH", "frontend:*.other.org", "id", "http://10.0.0.2:80"); // hipache
        await redis.Server.CliAsync("SADD", "entrance:backends:exact.example.com", "http://10.0.0.3:80");
        await redis.Server.CliAsync("SET", "unrelated:*.d.e.example.com", "x");
        var known = new KnownRouteNames();
        known.SetLive(true);

        Assert.True(await known.ScanAsync(_connection));

        Assert.True(known.Trusted);
        Assert.Equal(["*.c.d.e.example.com", "*.example.com", "*.other.org"], known.Names.Order(StringComparer.Ordinal));
        Assert.Equal([Deep, "*.c.d.e.example.com", "*.example.com"], known.Candidates(Deep));
        Assert.Equal(["nothing.net"], known.Candidates("nothing.net"));
    }

    [Fact]
    public async Task ScanAsync_CatchAllAndPathRoutes_Found()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:*", "http://10.0.0.1:80");
        await redis.Server.CliAsync("SADD", "entrance:paths:*.api.example.com", "/v1");
        var known = new KnownRouteNames();
        known.SetLive(true);

        await known.ScanAsync(_connection);

        Assert.Equal(["x.api.example.com", "*.api.example.com", "*"], known.Candidates("x.api.example.com"));
    }

    [Fact]
    public async Task ScanAsync_NotLive_StaysUntrusted()
    {
        var known = new KnownRouteNames();

        Assert.False(await known.ScanAsync(_connection));
        Assert.False(known.Trusted);
        Assert.False(known.ScanWanted.IsCompleted);
    }

    [Fact]
    public async Task Observe_NewWildcardWhileTrusted_ProbedAtOnce()
    {
        var known = await TrustedAsync();
        Assert.Equal([Deep], known.Candidates(Deep));

        known.Observe("*.e.example.com");
        known.Observe("*.d.e.example.com/api"); // a path route under a wildcard: its host is what lookups try
        known.Observe("plain.example.com");

        Assert.True(known.Trusted);
        Assert.Equal([Deep, "*.d.e.example.com", "*.e.example.com"], known.Candidates(Deep));
    }

    [Fact]
    public async Task SetLive_FeedLost_EveryCandidateUntilScannedAgain()
    {
        var known = await TrustedAsync();

        known.SetLive(false);
        Assert.False(known.Trusted);
        Assert.Equal(7, known.Candidates(Deep).Length);

        known.SetLive(true);
        Assert.True(known.ScanWanted.IsCompleted);
        Assert.False(known.Trusted);
        Assert.True(await known.ScanAsync(_connection));
        Assert.Equal([Deep], known.Candidates(Deep));
    }

    [Fact]
    public async Task Observe_EverythingChanged_UntrustedAndScanWanted()
    {
        var known = await TrustedAsync();

        known.Observe(null);

        Assert.False(known.Trusted);
        Assert.True(known.ScanWanted.IsCompleted);
    }

    [Fact]
    public async Task ResolveAsync_UnknownHostTrusted_OneCandidatesCommands()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:*.elsewhere.org", "http://10.0.0.1:80");
        var store = new RedisRouteStore(_connection);
        store.KnownNames.SetLive(true);
        Assert.True(await store.KnownNames.ScanAsync(_connection));
        Assert.Null(await store.ResolveAsync("warm.up")); // loads the script
        await redis.Server.CliAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await store.ResolveAsync($"h{i}.{Deep}"));
        }

        // One EVALSHA and its SMEMBERS, LRANGE and two EXISTS, whatever the depth (untrusted: 7 candidates, 29 commands).
        Assert.Equal(50, await redis.Server.LookupCommandsAsync());
        Assert.Equal("*.elsewhere.org", (await store.ResolveAsync("x.elsewhere.org"))?.RouteName);
    }

    [Fact]
    public async Task ResolveAsync_UnknownHostUntrusted_ProbesEveryCandidate()
    {
        var store = new RedisRouteStore(_connection);
        Assert.Null(await store.ResolveAsync("warm.up"));
        await redis.Server.CliAsync("CONFIG", "RESETSTAT");

        Assert.Null(await store.ResolveAsync(Deep));

        Assert.Equal(1 + 7 * 4, await redis.Server.LookupCommandsAsync());
    }

    private async Task<KnownRouteNames> TrustedAsync()
    {
        var known = new KnownRouteNames();
        known.SetLive(true);
        Assert.True(await known.ScanAsync(_connection));
        return known;
    }
}
