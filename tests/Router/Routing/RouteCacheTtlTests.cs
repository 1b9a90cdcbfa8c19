using Entrance.Router.Routing;
using Entrance.Testing;

namespace Entrance.Router.Tests.Routing;

public class RouteCacheTtlTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task CurrentTtl_KeyspaceEventsOn_UsesNotifiedTtl()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:00:02", "Entrance:NotifiedCacheTtl=00:00:40");
        var cache = router.Service<RouteCache>();

        await Eventually.TrueAsync(() => Task.FromResult(cache.CurrentTtl == TimeSpan.FromSeconds(40)), TimeSpan.FromSeconds(15), "notified TTL in force");
    }

    [Fact]
    public async Task CurrentTtl_KeyspaceEventsOff_StaysAtPollingTtl()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");
        try
        {
            await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:CacheTtl=00:00:02", "Entrance:NotifiedCacheTtl=00:00:40");
            await RouterHost.WaitForSubscriberAsync(redis.Server);
            await Task.Delay(500); // the keyspace check runs right after subscribing

            Assert.Equal(TimeSpan.FromSeconds(2), router.Service<RouteCache>().CurrentTtl);
        }
        finally
        {
            await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        }
    }
}
