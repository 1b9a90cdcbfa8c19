using System.Diagnostics;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Leadership;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Entrance.Syncer.Tests.Leadership;

/// <summary>The library's LeaderElector over a Lease, with the Syncer's write clock and release on cancel.</summary>
public class LeaseElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private readonly List<(CancellationTokenSource Stop, Task Run, k8s.Kubernetes Client)> _running = [];
    private TestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await TestApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var (stop, run, client) in _running)
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

    private (LeaseElection Elector, CancellationTokenSource Stop, Task Run) Start(string identity, LeaderElectionOptions? options = null)
    {
        var config = KubeConfig.Resolve(TestKubeconfig.Write(_api.Url)).Client;
        config.HttpClientTimeout = TimeSpan.FromSeconds(2);
        var client = new k8s.Kubernetes(config);
        var elector = new LeaseElection(client, options ?? Fast(identity), "entrance", NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => elector.RunAsync(stop.Token));
        _running.Add((stop, run, client));
        return (elector, stop, run);
    }

    private string? Holder() => _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")?["spec"]?["holderIdentity"]?.GetValue<string>();

    [Fact]
    public async Task RunAsync_TwoCandidates_ExactlyOneWritesAndLeaseNamesIt()
    {
        var (a, _, _) = Start("a");
        var (b, _, _) = Start("b");

        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite || b.CanWrite), Within, "someone leads");
        for (var i = 0; i < 20; i++)
        {
            Assert.False(a.CanWrite && b.CanWrite, "both write at once");
            await Task.Delay(100);
        }

        Assert.Equal(a.CanWrite ? "a" : "b", Holder());
        Assert.Equal(3, _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["leaseDurationSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_LeaderCancelled_ReleasesLeaseAndStandbyTakesOverBeforeExpiry()
    {
        var (a, stopA, runA) = Start("a");
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads");
        var (b, _, _) = Start("b");
        await Task.Delay(500);
        Assert.False(b.CanWrite);

        stopA.Cancel();
        await runA;
        Assert.False(a.CanWrite);
        Assert.Equal(string.Empty, Holder() ?? "(absent)");
        var took = await Eventually.TrueAsync(() => Task.FromResult(b.CanWrite), Within, "b takes over after a released the lease");

        Assert.True(took < TimeSpan.FromSeconds(2.5), $"took {took.TotalMilliseconds} ms; a released lease should not wait for expiry");
        Assert.Equal("b", Holder());
    }

    [Fact]
    public async Task RunAsync_LeaderCannotRenew_StopsWritingWithinRenewDeadlineThenResumes()
    {
        // A long retry period: the library alone notices a failed renewal only retry + renew deadline (3.5 s) after it.
        var options = Fast("a");
        options.LeaseDuration = TimeSpan.FromSeconds(6);
        options.RetryPeriod = TimeSpan.FromSeconds(1.5);
        var (a, _, _) = Start("a", options);
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads");
        // Wait for a renewal and time from it: the elector may write until renewDeadline (2 s) after it was sent.
        var renewTime = _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["renewTime"]!.ToString();
        await Eventually.TrueAsync(() => Task.FromResult(_api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["renewTime"]!.ToString() != renewTime), Within, "a renews");
        var sinceRenew = Stopwatch.StartNew();

        // From now on every lease request fails: a partitioned leader.
        _api.Fail = r => r.Path.Value!.Contains("/leases");
        await Eventually.TrueAsync(() => Task.FromResult(!a.CanWrite), Within, "a stops writing");
        var stoppedAfter = sinceRenew.Elapsed;

        Assert.True(stoppedAfter < TimeSpan.FromSeconds(3), $"stopped writing only {stoppedAfter.TotalMilliseconds} ms after the last renewal");

        _api.Fail = null;
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a writes again once the API answers");
    }

    [Fact]
    public async Task RunAsync_HolderDiesWithoutRelease_StandbyWaitsLeaseDurationThenTakesOver()
    {
        var options = Fast("a");
        options.ReleaseOnCancel = false;
        var (a, stopA, runA) = Start("a", options);
        await Eventually.TrueAsync(() => Task.FromResult(a.CanWrite), Within, "a leads");
        var (b, _, _) = Start("b");
        await Task.Delay(300);

        // a vanishes without a word, as a killed process: b must wait out the lease, not grab it.
        stopA.Cancel();
        await runA;
        Assert.Equal("a", Holder());
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => Task.FromResult(b.CanWrite), Within, "b takes over");

        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2), $"b took over after {watch.Elapsed.TotalMilliseconds} ms, before the lease could expire");
        Assert.Equal("b", Holder());
    }

    [Fact]
    public void Constructor_RenewDeadlineNotShorterThanLease_Throws()
    {
        using var client = new k8s.Kubernetes(KubeConfig.Resolve(TestKubeconfig.Write("http://127.0.0.1:1")).Client);
        var options = Fast("a");
        options.RenewDeadline = options.LeaseDuration;

        var e = Assert.Throws<ArgumentException>(() => new LeaseElection(client, options, "entrance", NullLogger.Instance));
        Assert.Contains("RenewDeadline", e.Message);
    }
}
