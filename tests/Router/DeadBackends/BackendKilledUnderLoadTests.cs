using System.Net;
using Entrance.Testing;

namespace Entrance.Router.Tests.DeadBackends;

public class BackendKilledUnderLoadTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Load_OneOfThreeBackendsKilled_NoClientErrorsAndOtherRouterAvoidsIt()
    {
        await redis.Server.CliAsync("FLUSHALL");
        var backends = await TestBackend.StartManyAsync("b1", "b2", "b3");
        const string host = "kill.example.com";
        await redis.Server.CliAsync(["SADD", "entrance:backends:" + host, .. backends.Select(b => b.Url)]);
        await using var router = await RouterHost.StartAsync(redis.Server);
        await using var second = await RouterProcess.StartAsync(redis.Server, "Entrance:CacheTtl=00:01:00");
        await RouterHost.WaitForSubscriberAsync(redis.Server, subscribers: 2);
        using (var warm = await second.GetAsync(host))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var failures = new List<string>();
        var ok = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await router.GetAsync(host);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    var body = await response.Content.ReadAsStringAsync();
                    lock (failures)
                    {
                        failures.Add($"{(int)response.StatusCode} {body}");
                    }
                }
            }
        }).ToArray();

        await Task.Delay(500);
        var victim = backends[2];
        await victim.DisposeAsync();
        await Task.Delay(1500);
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(ok > 50, $"only {ok} requests ran");
        var expiry = await redis.Server.CliAsync("ZSCORE", "entrance:dead:" + host, victim.Url);
        Assert.NotEqual(string.Empty, expiry);
        Assert.InRange(long.Parse(await redis.Server.CliAsync("PTTL", "entrance:dead:" + host)), 1, 31_000);

        // The second router never failed against the victim: a listener now on its port sees none of its requests.
        await using var sentinel = await TestBackend.StartAsync("sentinel", victim.Port);
        for (var i = 0; i < 30; i++)
        {
            using var response = await second.GetAsync(host);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(0, sentinel.Hits);
        Assert.DoesNotContain("marked dead", second.Output);
        await backends[0].DisposeAsync();
        await backends[1].DisposeAsync();
    }
}
