using Entrance.Core.Store;
using Entrance.Router.Registrations;
using Entrance.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Entrance.Router.Tests.Registrations;

/// <summary>Registration TTLs (issue 15) against a real redis-server and a real router; no cleanup process runs unless a test calls it.</summary>
public class RegistrationTtlTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend[] _backends = [];

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backends = await TestBackend.StartManyAsync("permanent", "registered");
    }

    public async Task DisposeAsync()
    {
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }

    private RedisConnection Connect() => RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Pick_TtlPassed_BackendGetsNoTrafficWithoutAnyCleanup()
    {
        using var connection = Connect();
        var editor = new RouteEditor(connection);
        await editor.AddBackendsAsync("ttl.example.com", [_backends[0].Url]);
        await editor.AddBackendsAsync("ttl.example.com", [_backends[1].Url], ttl: TimeSpan.FromSeconds(2));
        await editor.SetSettingsAsync("ttl.example.com", new Dictionary<string, string> { ["lb"] = "round-robin" });
        // A long cache TTL: the router must drop the backend by itself, not because it read Redis again.
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");

        var before = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            before.Add(await router.GetBodyAsync("ttl.example.com"));
        }

        Assert.Contains("registered", before);
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("ttl.example.com") == "permanent"
                                               && await router.GetBodyAsync("ttl.example.com") == "permanent", TimeSpan.FromSeconds(15), "registration expired");
        var hits = _backends[1].Hits;
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal("permanent", await router.GetBodyAsync("ttl.example.com"));
        }

        Assert.Equal(hits, _backends[1].Hits);
        Assert.Equal("1", await redis.Server.CliAsync("SISMEMBER", "entrance:backends:ttl.example.com", _backends[1].Url)); // nothing cleaned up
    }

    [Fact]
    public async Task Pick_EveryRegistrationExpired_AnswersNoBackends()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:gone.example.com", _backends[1].Url);
        await redis.Server.CliAsync("ZADD", "entrance:expiry:gone.example.com", "1000", _backends[1].Url); // 1970: long expired
        await using var router = await RouterHost.StartAsync(redis.Server);

        using var response = await router.GetAsync("gone.example.com");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("no-backends", response.Headers.GetValues("X-Entrance-Error").Single());
        Assert.Equal(0, _backends[1].Hits);
    }

    [Fact]
    public async Task AddBackends_TtlAgain_ExtendsByRedisClock()
    {
        using var connection = Connect();
        var editor = new RouteEditor(connection);
        await editor.AddBackendsAsync("extend.example.com", [_backends[1].Url], ttl: TimeSpan.FromSeconds(30));
        var first = double.Parse(await redis.Server.CliAsync("ZSCORE", "entrance:expiry:extend.example.com", _backends[1].Url));
        await editor.AddBackendsAsync("extend.example.com", [_backends[1].Url], ttl: TimeSpan.FromSeconds(60));
        var second = double.Parse(await redis.Server.CliAsync("ZSCORE", "entrance:expiry:extend.example.com", _backends[1].Url));
        var redisNow = (await redis.Server.CliAsync("TIME")).Split('\n')[0];

        Assert.True(second >= first + 29_000, $"{first} then {second}");
        Assert.InRange(second - double.Parse(redisNow) * 1000, 55_000, 61_000);

        await editor.AddBackendsAsync("extend.example.com", [_backends[1].Url]); // without --ttl: permanent again
        Assert.Equal(string.Empty, await redis.Server.CliAsync("ZSCORE", "entrance:expiry:extend.example.com", _backends[1].Url));
    }

    [Fact]
    public async Task RunAsync_ExpiredRegistrations_RemovedAtomicallyAndPublished()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:clean.example.com", _backends[0].Url, _backends[1].Url);
        await redis.Server.CliAsync("ZADD", "entrance:expiry:clean.example.com", "1000", _backends[1].Url, "99999999999999", _backends[0].Url);
        await redis.Server.CliAsync("HSET", "entrance:weights:clean.example.com", _backends[1].Url, "5");
        await redis.Server.CliAsync("SADD", "entrance:backends:clean.example.com/api", _backends[1].Url);
        await redis.Server.CliAsync("SADD", "entrance:paths:clean.example.com", "/api");
        await redis.Server.CliAsync("ZADD", "entrance:expiry:clean.example.com/api", "1000", _backends[1].Url);
        var published = new List<string>();
        await redis.Server.Client.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), (_, m) =>
        {
            lock (published)
            {
                published.Add((string)m!);
            }
        });
        using var connection = Connect();
        var task = new RegistrationCleanupTask(new RegistrationExpiry(connection), TimeProvider.System, NullLogger<RegistrationCleanupTask>.Instance);

        await task.RunAsync(() => true, CancellationToken.None);

        Assert.Equal(_backends[0].Url, await redis.Server.CliAsync("SMEMBERS", "entrance:backends:clean.example.com"));
        Assert.Equal(_backends[0].Url, (await redis.Server.CliAsync("ZRANGE", "entrance:expiry:clean.example.com", "0", "-1")));
        Assert.Equal(string.Empty, await redis.Server.CliAsync("HGETALL", "entrance:weights:clean.example.com"));
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "entrance:backends:clean.example.com/api"));
        Assert.Equal("0", await redis.Server.CliAsync("SISMEMBER", "entrance:paths:clean.example.com", "/api")); // the index follows
        await Eventually.TrueAsync(() =>
        {
            lock (published)
            {
                return Task.FromResult(published.Contains("clean.example.com") && published.Contains("clean.example.com/api"));
            }
        }, TimeSpan.FromSeconds(5), "cleanup published both route names");
    }

    [Fact]
    public async Task RunAsync_NotLeading_WritesNothing()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:lease.example.com", _backends[1].Url);
        await redis.Server.CliAsync("ZADD", "entrance:expiry:lease.example.com", "1000", _backends[1].Url);
        using var connection = Connect();
        var task = new RegistrationCleanupTask(new RegistrationExpiry(connection), TimeProvider.System, NullLogger<RegistrationCleanupTask>.Instance);

        await task.RunAsync(() => false, CancellationToken.None);

        Assert.Equal("1", await redis.Server.CliAsync("SISMEMBER", "entrance:backends:lease.example.com", _backends[1].Url));
    }
}
