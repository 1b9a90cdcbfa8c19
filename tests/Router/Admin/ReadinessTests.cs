using System.Net;
using Entrance.Testing;

namespace Entrance.Router.Tests.Admin;

/// <summary><c>/readyz</c> against a real redis-server that is killed (SIGKILL) and restarted. Each test owns its Redis.</summary>
public class ReadinessTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Readyz_RedisKilledNoCache_503ThenBackWhenRedisReturns()
    {
        await using var router = await RouterHost.StartAsync(_redis);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(router)).Status);

        _redis.Kill();
        await Eventually.TrueAsync(async () => (await ReadyAsync(router)).Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(15), "not ready while Redis is down and nothing is cached");
        Assert.Contains("redis unreachable", (await ReadyAsync(router)).Body);

        await _redis.RestartAsync();
        await Eventually.TrueAsync(async () => (await ReadyAsync(router)).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "ready again once Redis is back");
        Assert.Contains("redis reachable", (await ReadyAsync(router)).Body);
    }

    [Fact]
    public async Task Readyz_RedisKilledWarmCache_StaysReadySaysCache()
    {
        await using var backend = await TestBackend.StartAsync("warm");
        await _redis.CliAsync("SADD", "entrance:backends:warm.example.com", backend.Url);
        await using var router = await RouterHost.StartAsync(_redis);
        Assert.Equal("warm", await router.GetBodyAsync("warm.example.com"));

        _redis.Kill();
        await Eventually.TrueAsync(async () => (await ReadyAsync(router)).Body.Contains("redis unreachable"),
            TimeSpan.FromSeconds(15), "readiness notices Redis is gone");

        var ready = await ReadyAsync(router);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Contains("cached host", ready.Body);
        Assert.Equal("warm", await router.GetBodyAsync("warm.example.com"));
    }

    [Fact]
    public async Task Readyz_SigTermWhileDraining_503DrainingUntilExitAndDrainedRequestLogged()
    {
        await using var backend = await TestBackend.StartAsync("slow");
        await _redis.CliAsync("SADD", "entrance:backends:draining.example.com", backend.Url);
        var log = Path.Combine(Directory.CreateTempSubdirectory("entrance-drain-").FullName, "access.log");
        await using var router = await RouterProcess.StartAsync(_redis, "Entrance:DrainTimeout=00:00:20",
            "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Path=" + log);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(router.AdminClient)).Status);

        var slow = router.GetAsync("draining.example.com", "/slow?ms=3000");
        await Eventually.TrueAsync(() => Task.FromResult(backend.Hits == 1), TimeSpan.FromSeconds(10), "slow request reached the backend");
        router.Terminate();

        // Load balancers take the router out while its in-flight requests finish.
        await Eventually.TrueAsync(async () => (await ReadyAsync(router.AdminClient)).Body.Contains("draining"),
            TimeSpan.FromSeconds(5), "readyz says draining after SIGTERM");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ReadyAsync(router.AdminClient)).Status);
        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await router.WaitForExitAsync(TimeSpan.FromSeconds(15)), "router exited after draining");
        // The request finished during the drain; its line was still written before the process exited.
        Assert.Contains(File.ReadAllLines(log), l => l.Contains("\"GET /slow?ms=3000 HTTP/1.1\" 200"));
        Directory.Delete(Path.GetDirectoryName(log)!, recursive: true);
    }

    private static Task<(HttpStatusCode Status, string Body)> ReadyAsync(RouterHost router) => ReadyAsync(router.AdminClient);

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
