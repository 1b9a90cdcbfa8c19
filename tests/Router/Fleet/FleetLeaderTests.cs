using Entrance.Router.Fleet;
using Entrance.Testing;

namespace Entrance.Router.Tests.Fleet;

/// <summary>Two real routers on one real Redis: exactly one leads, and the other takes over when it stops.</summary>
public class FleetLeaderTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly string[] Fleet = ["Entrance:Fleet:Enabled=true", "Entrance:Fleet:LeaseDuration=00:00:02", "Entrance:Fleet:Tick=00:00:00.200"];

    [Fact]
    public async Task FleetRunner_LeaderStops_OtherRouterTakesOver()
    {
        await redis.Server.CliAsync("FLUSHALL");
        RouterHost? first = await RouterHost.StartAsync(redis.Server, Fleet);
        await using var second = await RouterHost.StartAsync(redis.Server, Fleet);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(Leader(first) ^ Leader(second)), TimeSpan.FromSeconds(10), "one leader");
            var (leader, follower) = Leader(first) ? (first, second) : (second, first);
            Assert.Equal(leader.Service<FleetRunner>().Id, await redis.Server.CliAsync("GET", "entrance:fleet-leader"));
            var ticks = follower.Service<FleetRunner>().Ticks;
            await Eventually.TrueAsync(() => Task.FromResult(follower.Service<FleetRunner>().Ticks > ticks + 3), TimeSpan.FromSeconds(10), "follower ticks");
            Assert.False(Leader(follower)); // it kept asking and was refused

            await leader.DisposeAsync();
            first = ReferenceEquals(leader, first) ? null : first;

            await Eventually.TrueAsync(() => Task.FromResult(Leader(follower)), TimeSpan.FromSeconds(10), "the follower leads");
            Assert.Equal(follower.Service<FleetRunner>().Id, await redis.Server.CliAsync("GET", "entrance:fleet-leader"));
            var metrics = await follower.AdminClient.GetStringAsync("/metrics");
            Assert.Contains("entrance_fleet_leader 1", metrics);
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task FleetRunner_LeaseHeldByAnother_WaitsThenTakesItOnceItExpires()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await redis.Server.CliAsync("SET", "entrance:fleet-leader", "a-router-that-froze");
        await using var router = await RouterHost.StartAsync(redis.Server, Fleet);
        var runner = router.Service<FleetRunner>();
        await Eventually.TrueAsync(() => Task.FromResult(runner.Ticks >= 5), TimeSpan.FromSeconds(10), "ticks");
        Assert.False(runner.IsLeader);

        await redis.Server.CliAsync("PEXPIRE", "entrance:fleet-leader", "1"); // its lease runs out, never renewed

        await Eventually.TrueAsync(() => Task.FromResult(runner.IsLeader), TimeSpan.FromSeconds(10), "leads once the lease expired");
        Assert.Equal(runner.Id, await redis.Server.CliAsync("GET", "entrance:fleet-leader"));
    }

    private static bool Leader(RouterHost router) => router.Service<FleetRunner>().IsLeader;
}
