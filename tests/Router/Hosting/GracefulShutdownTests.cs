using System.Net;
using Entrance.Testing;

namespace Entrance.Router.Tests.Hosting;

public class GracefulShutdownTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task SigTerm_DuringSlowRequest_RequestCompletesThenProcessExits()
    {
        await using var backend = await TestBackend.StartAsync("slow");
        await redis.Server.CliAsync("SADD", "entrance:backends:drain.example.com", backend.Url);
        await using var router = await RouterProcess.StartAsync(redis.Server, "Entrance:DrainTimeout=00:00:20");

        var slow = router.GetAsync("drain.example.com", "/slow?ms=3000");
        await Eventually.TrueAsync(() => Task.FromResult(backend.Hits == 1), TimeSpan.FromSeconds(10), "slow request reached the backend");
        router.Terminate();

        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow", await response.Content.ReadAsStringAsync());
        Assert.True(await router.WaitForExitAsync(TimeSpan.FromSeconds(15)), "router exited after draining");
        Assert.Equal(0, router.ExitCode);
    }

    [Fact]
    public async Task SigTerm_RequestLongerThanDrainTimeout_ProcessExitsAnyway()
    {
        await using var backend = await TestBackend.StartAsync("slow");
        await redis.Server.CliAsync("SADD", "entrance:backends:stuck.example.com", backend.Url);
        await using var router = await RouterProcess.StartAsync(redis.Server, "Entrance:DrainTimeout=00:00:01");

        var stuck = router.GetAsync("stuck.example.com", "/slow?ms=60000");
        await Eventually.TrueAsync(() => Task.FromResult(backend.Hits == 1), TimeSpan.FromSeconds(10), "request reached the backend");
        router.Terminate();

        Assert.True(await router.WaitForExitAsync(TimeSpan.FromSeconds(15)), "router exited after the drain timeout");
        await Assert.ThrowsAnyAsync<Exception>(async () => (await stuck).EnsureSuccessStatusCode());
    }
}
