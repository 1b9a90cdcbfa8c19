using System.Diagnostics;
using System.Net.Http;
using Entrance.Router;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.EndToEnd;

/// <summary>apiserver event → Syncer → Redis → a running router serves the new endpoint.</summary>
public class RouterEndToEndTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task EndpointChange_ApiserverToRouter_ServedByNewBackend()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await using var v1 = await TestBackend.StartAsync("v1");
        await using var v2 = await TestBackend.StartAsync("v2");
        await using var api = await TestApiServer.StartAsync();
        api.Upsert(ApiKind.Services, Service("shop", "web", "e2e.example.com"));
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", v1.Port, new Ep("127.0.0.1")));
        await using var syncer = await SyncerHarness.StartAsync(api, redis.Server);
        var router = EntranceRouter.Build(["--urls", "http://127.0.0.1:0", "--Entrance:Redis", redis.Server.Configuration]);
        await router.StartAsync();
        try
        {
            var routerUrl = router.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(routerUrl), Timeout = TimeSpan.FromSeconds(5) };
            async Task<string> GetAsync()
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/");
                request.Headers.Host = "e2e.example.com";
                using var response = await http.SendAsync(request);
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : $"status {(int)response.StatusCode}";
            }

            await Eventually.TrueAsync(async () => await GetAsync() == "v1", TimeSpan.FromSeconds(20), "router serves v1");

            // The measured change, five times: the EndpointSlice flips between v1 and v2.
            await redis.Server.Db.PingAsync(); // connect the test's own Redis client before timing
            var delays = new List<double>();
            TestBackend current = v1;
            for (var round = 0; round < 5; round++)
            {
                var next = current == v1 ? v2 : v1;
                var watch = Stopwatch.StartNew();
                api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", next.Port, new Ep("127.0.0.1")));
                var inRedis = await Eventually.TrueAsync(() => redis.Server.Db.SetContainsAsync("entrance:backends:e2e.example.com", next.Url),
                    TimeSpan.FromSeconds(10), $"{next.Name} in Redis");
                await Eventually.TrueAsync(async () => await GetAsync() == next.Name, TimeSpan.FromSeconds(10), $"router serves {next.Name}");
                watch.Stop();
                delays.Add(watch.Elapsed.TotalMilliseconds);
                output.WriteLine($"round {round}: apiserver event → Redis {inRedis.TotalMilliseconds:F1} ms; → router serving {next.Name}: {watch.Elapsed.TotalMilliseconds:F1} ms");

                // From then on only the new backend: the old one is out of the set, so no request may reach it.
                var oldHits = current.Hits;
                for (var i = 0; i < 10; i++)
                {
                    Assert.Equal(next.Name, await GetAsync());
                }

                Assert.Equal(oldHits, current.Hits);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
                current = next;
            }

            delays.Sort();
            output.WriteLine($"apiserver event → router serving the new endpoint: median {delays[delays.Count / 2]:F1} ms, max {delays[^1]:F1} ms (polling every 5 ms)");
        }
        finally
        {
            await router.StopAsync();
            await router.DisposeAsync();
        }
    }
}
