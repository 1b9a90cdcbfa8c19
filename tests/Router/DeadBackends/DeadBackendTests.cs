using System.Net;
using Entrance.Router.Routing;
using Entrance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.DeadBackends;

/// <summary>Passive checks, shared dead marks and retries, against real backends that refuse, fail or die.</summary>
public class DeadBackendTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend[] _backends = [];
    private RouterHost _router = null!;

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backends = await TestBackend.StartManyAsync("b1", "b2");
        _router = await RouterHost.StartAsync(redis.Server);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task Forward_OneBackendRefuses_RetriedElsewhereAndMarkedDeadInRedis()
    {
        using var refused = new RefusedPort();
        var refusing = refused.Url;
        await redis.Server.CliAsync("SADD", "entrance:backends:r.example.com", _backends[0].Url, _backends[1].Url, refusing);

        for (var i = 0; i < 30; i++)
        {
            using var response = await _router.GetAsync("r.example.com");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var expiry = long.Parse(await redis.Server.CliAsync("ZSCORE", "entrance:dead:r.example.com", refusing));
        Assert.InRange(expiry - NowMs, 20_000, 31_000);
        Assert.InRange(long.Parse(await redis.Server.CliAsync("PTTL", "entrance:dead:r.example.com")), 1, 31_000);
    }

    [Fact]
    public async Task Forward_EveryBackendKeepsRefusing_EachMarkWrittenOnceNotPerFailure()
    {
        using var refused = new RefusedPort();
        using var alsoRefused = new RefusedPort();
        await redis.Server.CliAsync("SADD", "entrance:backends:panic.example.com", refused.Url, alsoRefused.Url);
        var marks = 0;
        var sub = redis.Server.Client.GetSubscriber();
        var channel = StackExchange.Redis.RedisChannel.Literal("dead"); // hipache's dead channel: one message per mark written
        await sub.SubscribeAsync(channel, (_, m) =>
        {
            if (((string?)m)?.Contains("panic.example.com", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref marks);
            }
        });

        // Once both are marked every request still goes to them (panic mode) and fails, for 2.5 s: well beyond the
        // one-second re-mark of before, well inside half the 30 s dead period.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var requests = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            using var response = await _router.GetAsync("panic.example.com");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            requests++;
            await Task.Delay(50);
        }

        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref marks) >= 2), TimeSpan.FromSeconds(5), "both marks published");
        await _router.GetAsync("marker.example.com"); // a round trip for any late publish to arrive before the count
        await sub.UnsubscribeAsync(channel);
        Assert.True(requests > 10, $"only {requests} requests");
        Assert.Equal(2, Volatile.Read(ref marks));
    }

    [Fact]
    public async Task Forward_PostToRefusingBackend_RetriedBecauseNothingWasSent()
    {
        using var refused = new RefusedPort();
        var refusing = refused.Url;
        await redis.Server.CliAsync("SADD", "entrance:backends:post.example.com", refusing, _backends[0].Url);
        await redis.Server.CliAsync("HSET", "entrance:host:post.example.com", "lb", "round-robin");

        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(new byte[1234]) };
            request.Headers.Host = "post.example.com";
            using var response = await _router.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("1234", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Forward_RetriesDisabled_RefusalIs502()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:Retries=0");
        using var refused = new RefusedPort();
        await redis.Server.CliAsync("SADD", "entrance:backends:nr.example.com", refused.Url, _backends[0].Url);
        await redis.Server.CliAsync("HSET", "entrance:host:nr.example.com", "lb", "round-robin");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await router.GetAsync("nr.example.com");
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.BadGateway, statuses);
    }

    [Fact]
    public async Task Forward_HipacheFrontend_DeadIndexWithTtlAndDeadEvent()
    {
        using var refused = new RefusedPort();
        var refusing = refused.Url;
        await redis.Server.CliAsync("RPUSH", "frontend:h.example.com", "h", _backends[0].Url, refusing);
        var sub = redis.Server.Client.GetSubscriber();
        var events = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await sub.SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("dead"), (_, m) => events.TrySetResult(m!));

        for (var i = 0; i < 10; i++)
        {
            using var response = await _router.GetAsync("h.example.com");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal($"h.example.com;{refusing};1;2", await events.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("1", await redis.Server.CliAsync("SMEMBERS", "dead:h.example.com"));
        Assert.InRange(long.Parse(await redis.Server.CliAsync("TTL", "dead:h.example.com")), 1, 30);
        await sub.UnsubscribeAllAsync();
    }

    [Fact]
    public async Task Forward_HipacheSingleBackend_NoDeadMarkAsHipache()
    {
        using var refused = new RefusedPort();
        await redis.Server.CliAsync("RPUSH", "frontend:one.example.com", "one", refused.Url);

        using var response = await _router.GetAsync("one.example.com");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("0", await redis.Server.CliAsync("EXISTS", "dead:one.example.com"));
    }

    [Theory]
    [InlineData("/status/503", true)]
    [InlineData("/status/502", true)]
    [InlineData("/status/504", true)]
    [InlineData("/status/503?retryAfter=1", false)]
    [InlineData("/status/500", false)]
    public async Task Forward_BackendStatus_MarksDeadByHipacheRule(string path, bool dead)
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:s.example.com", _backends[0].Url, _backends[1].Url);

        using var response = await _router.GetAsync("s.example.com", path);

        Assert.True((int)response.StatusCode >= 500, "the backend's answer is relayed");
        var marked = await Eventually.TrueAsync(async () => await redis.Server.CliAsync("ZCARD", "entrance:dead:s.example.com") != "0", TimeSpan.FromSeconds(dead ? 5 : 1), "mark").ContinueWith(t => t.IsCompletedSuccessfully);
        Assert.Equal(dead, marked);
    }

    [Fact]
    public async Task Forward_DeadMarkFromRedis_BackendLeavesRotation()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:m.example.com", _backends[0].Url, _backends[1].Url);
        await redis.Server.CliAsync("ZADD", "entrance:dead:m.example.com", (NowMs + 60_000).ToString(), _backends[0].Url);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("b2", await _router.GetBodyAsync("m.example.com"));
        }
    }

    [Fact]
    public async Task Forward_EveryBackendDead_PanicModeStillRoutes()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:p.example.com", _backends[0].Url, _backends[1].Url);
        foreach (var b in _backends)
        {
            await redis.Server.CliAsync("ZADD", "entrance:dead:p.example.com", (NowMs + 60_000).ToString(), b.Url);
        }

        using var response = await _router.GetAsync("p.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Routed because of panic mode, not because the dead marks went unread.
        var entry = _router.Service<RouteCache>().Peek("p.example.com")?.Entry;
        Assert.NotNull(entry);
        entry.Live(NowMs, out var panic);
        Assert.True(panic);
    }

    [Fact]
    public async Task Forward_DeadMarkExpires_BackInRotationWithoutRedis()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var router = await RouterHost.StartAsync(redis.Server, b => b.Services.AddSingleton<TimeProvider>(time),
            "Entrance:CacheTtl=00:10:00", "Entrance:NotifiedCacheTtl=00:10:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server, subscribers: 2);
        await redis.Server.CliAsync("SADD", "entrance:backends:x.example.com", _backends[0].Url, _backends[1].Url);
        await redis.Server.CliAsync("HSET", "entrance:host:x.example.com", "lb", "round-robin");
        var until = time.GetUtcNow().ToUnixTimeMilliseconds() + 60_000;
        await redis.Server.CliAsync("ZADD", "entrance:dead:x.example.com", until.ToString(), _backends[0].Url);
        await Task.Delay(300); // the writes' keyspace events land before the answer is cached
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("b2", await router.GetBodyAsync("x.example.com"));
        }

        var lookups = await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server);
        time.Advance(TimeSpan.FromSeconds(60));

        var bodies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            bodies.Add(await router.GetBodyAsync("x.example.com"));
        }

        Assert.Equal(5, bodies.Count(b => b == "b1"));
        Assert.Equal(5, bodies.Count(b => b == "b2"));
        // The cached entry's own clock check brought it back: Redis was not asked again.
        Assert.Equal(lookups, await Proxy.ProxyPipelineTests.LookupCountAsync(redis.Server));
    }
}
