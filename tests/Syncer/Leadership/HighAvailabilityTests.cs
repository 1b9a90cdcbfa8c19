using System.Diagnostics;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using Xunit.Abstractions;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Leadership;

/// <summary>Two real Syncer processes against one API server and one Redis.</summary>
public class HighAvailabilityTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task TwoProcesses_OnlyLeaderWrites_KilledLeaderReplacedWithin20Seconds()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await using var api = await TestApiServer.StartAsync();
        api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        // Shorter than the defaults (15/10/2 s) to keep the test fast, long enough that a loaded machine does not flap.
        // bench/syncer-latency.sh sets ENTRANCE_BENCH_DEFAULT_LEASE=1 to measure with the production defaults instead.
        var production = Environment.GetEnvironmentVariable("ENTRANCE_BENCH_DEFAULT_LEASE") == "1";
        var (lease, renew, retry) = production ? (15, 10, 2) : (6, 4, 1);
        string[] timings =
        [
            "--Syncer:LeaderElection:LeaseDuration", TimeSpan.FromSeconds(lease).ToString(),
            "--Syncer:LeaderElection:RenewDeadline", TimeSpan.FromSeconds(renew).ToString(),
            "--Syncer:LeaderElection:RetryPeriod", TimeSpan.FromSeconds(retry).ToString(),
        ];
        await using var a = SyncerProcess.Start("syncer-a", SyncerHarness.Args(api, redis.Server, "syncer-a", timings));
        await using var b = SyncerProcess.Start("syncer-b", SyncerHarness.Args(api, redis.Server, "syncer-b", timings));
        SyncerProcess[] both = [a, b];

        try
        {
            async Task<string[]> Members() => (await redis.Server.CliAsync("SMEMBERS", "entrance:backends:a.example.com")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
            await Eventually.TrueAsync(async () => (await Members()).SequenceEqual(["http://10.0.0.1:80"]), TimeSpan.FromSeconds(60), "first sync by a leader");
            await Eventually.TrueAsync(async () => await b.MetricAsync("entrance_syncer_leader") is not null && await a.MetricAsync("entrance_syncer_leader") is not null,
                TimeSpan.FromSeconds(30), "both admin listeners answer");

            // Exactly one leader, the whole time, while endpoints change.
            for (var i = 0; i < 10; i++)
            {
                var leaders = 0;
                foreach (var s in both)
                {
                    leaders += await s.MetricAsync("entrance_syncer_leader") == 1 ? 1 : 0;
                }

                Assert.Equal(1, leaders);
                api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep($"10.0.0.{i + 1}")));
                await Eventually.TrueAsync(async () => (await Members()).SequenceEqual([$"http://10.0.0.{i + 1}:80"]), TimeSpan.FromSeconds(15), $"change {i} written");
            }

            var leader = await a.MetricAsync("entrance_syncer_leader") == 1 ? a : b;
            var standby = leader == a ? b : a;
            Assert.Equal(0, await standby.MetricAsync("entrance_syncer_syncs_total"));
            Assert.Equal(0, await standby.MetricAsync("entrance_syncer_redis_writes_total"));
            Assert.True(await leader.MetricAsync("entrance_syncer_redis_writes_total") >= 10);
            Assert.Equal(leader.Identity, api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["holderIdentity"]!.GetValue<string>());

            // SIGKILL the leader, then change the endpoints: only the standby can write them.
            leader.Kill();
            var sinceKill = Stopwatch.StartNew();
            api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.9.9")));
            await Eventually.TrueAsync(async () => (await Members()).SequenceEqual(["http://10.0.9.9:80"]), TimeSpan.FromSeconds(20), "the standby writes after the leader was killed");
            var failover = sinceKill.Elapsed;
            output.WriteLine($"failover: leader killed → standby wrote the change in {failover.TotalMilliseconds:F0} ms (lease {lease} s, renew deadline {renew} s, retry {retry} s)");

            Assert.Equal(1, await standby.MetricAsync("entrance_syncer_leader"));
            Assert.Equal(standby.Identity, api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["holderIdentity"]!.GetValue<string>());
            // The lease had to expire first: the standby may not write before leaseDuration minus one retry period.
            Assert.True(failover > TimeSpan.FromSeconds(lease - retry), $"failover in {failover.TotalMilliseconds} ms is faster than the lease allows");
        }
        catch
        {
            output.WriteLine("--- a ---\n" + a.Log + "\n--- b ---\n" + b.Log);
            throw;
        }
    }

    [Fact]
    public async Task TwoProcesses_LeaderTerminatedCleanly_ReleasesLeaseAndStandbyWritesBeforeExpiry()
    {
        await redis.Server.CliAsync("FLUSHALL");
        await using var api = await TestApiServer.StartAsync();
        api.Upsert(ApiKind.Services, Service("shop", "web", "t.example.com"));
        api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        string[] timings = ["--Syncer:LeaderElection:LeaseDuration", "00:00:15", "--Syncer:LeaderElection:RenewDeadline", "00:00:10", "--Syncer:LeaderElection:RetryPeriod", "00:00:01"];
        await using var a = SyncerProcess.Start("syncer-a", SyncerHarness.Args(api, redis.Server, "syncer-a", timings));
        await using var b = SyncerProcess.Start("syncer-b", SyncerHarness.Args(api, redis.Server, "syncer-b", timings));
        try
        {
            async Task<string> Members() => await redis.Server.CliAsync("SMEMBERS", "entrance:backends:t.example.com");
            await Eventually.TrueAsync(async () => await Members() == "http://10.0.0.1:80", TimeSpan.FromSeconds(60), "first sync");
            await Eventually.TrueAsync(async () => await a.MetricAsync("entrance_syncer_leader") is not null && await b.MetricAsync("entrance_syncer_leader") is not null,
                TimeSpan.FromSeconds(30), "both admin listeners answer");
            var leader = await a.MetricAsync("entrance_syncer_leader") == 1 ? a : b;
            var standby = leader == a ? b : a;

            var sinceStop = Stopwatch.StartNew();
            await leader.TerminateAsync(TimeSpan.FromSeconds(30));
            api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.2")));

            // Well before the 15 s lease could expire: the leader handed it back on the way out.
            await Eventually.TrueAsync(async () => await Members() == "http://10.0.0.2:80", TimeSpan.FromSeconds(10), "the standby writes after a clean handover");
            output.WriteLine($"clean handover: SIGTERM → standby wrote the change in {sinceStop.Elapsed.TotalMilliseconds:F0} ms (lease 15 s)");
            Assert.Equal(standby.Identity, api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["holderIdentity"]!.GetValue<string>());
            Assert.Contains("released lease", leader.Log);
        }
        catch
        {
            output.WriteLine("--- a ---\n" + a.Log + "\n--- b ---\n" + b.Log);
            throw;
        }
    }
}
