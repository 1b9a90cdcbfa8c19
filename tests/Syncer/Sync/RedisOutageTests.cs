using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Sync;

public class RedisOutageTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Sync_RedisDownDuringChange_AppliedAfterRedisReturns()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await using var api = await TestApiServer.StartAsync();
        api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await using var syncer = await SyncerHarness.StartAsync(api, redis.Server);
        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("SMEMBERS", "entrance:backends:a.example.com") == "http://10.0.0.1:80",
            TimeSpan.FromSeconds(15), "first write");

        redis.Server.Kill();
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.2")));
        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.RedisErrors > 0), TimeSpan.FromSeconds(15), "the write failed");
        await redis.Server.RestartAsync();

        await Eventually.TrueAsync(async () => await redis.Server.CliAsync("SMEMBERS", "entrance:backends:a.example.com") == "http://10.0.0.2:80",
            TimeSpan.FromSeconds(30), "the change is written once Redis is back");
        Assert.Equal("syncer", await redis.Server.CliAsync("HGET", "entrance:owners", "a.example.com"));
    }
}
