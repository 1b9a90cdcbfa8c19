using System.Diagnostics;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Leadership;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Entrance.Syncer.Tests.Leadership;

public class LeaderElectorTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private readonly List<(LeaderElector Elector, CancellationTokenSource Stop, Task Run, KubeClient Client)> _running = [];
    private TestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await TestApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var (_, stop, run, client) in _running)
        {
            stop.Cancel();
            await run;
            client.Dispose();
        }

        await _api.DisposeAsync();
    }

    private static LeaderElectionOptions Fast(string identity) => new()
    {
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(2),
        RetryPeriod = TimeSpan.FromMilliseconds(300),
    };

    private (LeaderElector Elector, CancellationTokenSource Stop) Start(string identity, LeaderElectionOptions? options = null)
    {
        var client = new KubeClient(KubeCredentials.FromKubeconfig(TestKubeconfig.Write(_api.Url))) { RequestTimeout = TimeSpan.FromSeconds(2) };
        var elector = new LeaderElector(client, options ?? Fast(identity), "entrance", NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => elector.RunAsync(stop.Token));
        _running.Add((elector, stop, run, client));
        return (elector, stop);
    }

    [Fact]
    public async Task RunAsync_TwoCandidates_ExactlyOneLeadsAndLeaseNamesIt()
    {
        var (a, _) = Start("a");
        var (b, _) = Start("b");

        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite || b.CanWrite), Within, "someone leads");
        for (var i = 0; i < 20; i++)
        {
            Assert.False(a.CanWrite && b.CanWrite, "both lead at once");
            await Task.Delay(100);
        }

        var leader = a.CanWrite ? "a" : "b";
        var lease = _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!;
        Assert.Equal(leader, lease["spec"]!["holderIdentity"]!.GetValue<string>());
        Assert.Equal(3, lease["spec"]!["leaseDurationSeconds"]!.GetValue<int>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", lease["spec"]!["renewTime"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_LeaderStopsCleanly_ReleasesAndStandbyTakesOverQuickly()
    {
        var (a, stopA) = Start("a");
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads");
        var (b, _) = Start("b");
        await Task.Delay(500);
        Assert.False(b.CanWrite);

        stopA.Cancel();
        var took = await Eventually.TrueAsync(() => Task.FromResult(b.CanWrite), Within, "b takes over after a released the lease");

        Assert.False(a.CanWrite);
        Assert.True(took < TimeSpan.FromSeconds(3), $"took {took.TotalMilliseconds} ms; a released lease should not wait for expiry");
        Assert.Equal(1, _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["leaseTransitions"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_LeaderCannotRenew_StopsWritingBeforeLeaseCouldExpire()
    {
        var (a, _) = Start("a");
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads");
        var lastRenew = Stopwatch.StartNew();
        var renewTime = _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["renewTime"]!.GetValue<string>();

        // From now on every lease request fails: a partitioned leader.
        _api.Fail = r => r.Path.Value!.Contains("/leases");
        await Eventually.TrueAsync(() => Task.FromResult(!a.CanWrite), Within, "a stops writing");
        var stoppedAfter = lastRenew.Elapsed;

        // Stopped within renewDeadline (2 s) of its last renewal, before the 3 s lease a standby waits out.
        Assert.True(stoppedAfter < TimeSpan.FromSeconds(3), $"stopped writing only after {stoppedAfter.TotalMilliseconds} ms");
        Assert.Equal(renewTime, _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["renewTime"]!.GetValue<string>());

        _api.Fail = null;
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads again once the API answers");
    }

    [Fact]
    public async Task RunAsync_HolderDiesWithoutRelease_StandbyWaitsLeaseDurationThenTakesOver()
    {
        var options = Fast("a");
        options.ReleaseOnCancel = false;
        var (a, stopA) = Start("a", options);
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads");
        var (b, _) = Start("b");
        await Task.Delay(300);

        // a vanishes without a word, as a killed process: b must wait out the lease, not grab it.
        stopA.Cancel();
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => Task.FromResult(b.CanWrite), Within, "b takes over");

        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2), $"b took over after {watch.Elapsed.TotalMilliseconds} ms, before the lease could expire");
        Assert.Equal("b", _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [Fact]
    public void Constructor_RenewDeadlineNotShorterThanLease_Throws()
    {
        using var client = new KubeClient(KubeCredentials.FromKubeconfig(TestKubeconfig.Write("http://127.0.0.1:1")));
        var options = Fast("a");
        options.RenewDeadline = options.LeaseDuration;

        var e = Assert.Throws<ArgumentException>(() => new LeaderElector(client, options, "entrance", NullLogger.Instance));
        Assert.Contains("RenewDeadline", e.Message);
    }

    [Fact]
    public void MicroTime_Formats_Rfc3339WithMicroseconds()
    {
        Assert.Equal("2026-01-02T03:04:05.123456Z", LeaderElector.MicroTime(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560)));
    }
}
