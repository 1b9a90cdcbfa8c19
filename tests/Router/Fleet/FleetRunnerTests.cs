using Entrance.Core.Store;
using Entrance.Router.Fleet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Fleet;

/// <summary>The fleet runner's leadership on a fake clock and a scripted lease: no Redis, no sleeping.</summary>
public class FleetRunnerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedLease _lease = new();
    private readonly CountingTask _task = new();

    private FleetRunner Runner() => new(_lease, [_task], Options.Create(new FleetOptions { LeaseDuration = TimeSpan.FromSeconds(10) }), _time, NullLogger<FleetRunner>.Instance);

    [Fact]
    public async Task TickAsync_LeaseTaken_RunsTasksWhileLeading()
    {
        var runner = Runner();

        await runner.TickAsync(CancellationToken.None);

        Assert.True(runner.IsLeader);
        Assert.Equal(1, _task.Runs);
        Assert.True(_task.LastStillLeading);
    }

    [Fact]
    public async Task TickAsync_AnotherRouterHoldsTheLease_RunsNothing()
    {
        _lease.Answer = false;
        var runner = Runner();

        await runner.TickAsync(CancellationToken.None);

        Assert.False(runner.IsLeader);
        Assert.Equal(0, _task.Runs);
    }

    [Fact]
    public async Task TickAsync_RenewalUnconfirmed_LeadsUntilTheLeaseRunsOutThenStops()
    {
        var runner = Runner();
        await runner.TickAsync(CancellationToken.None);
        _lease.Fail = true;

        _time.Advance(TimeSpan.FromSeconds(9));
        await runner.TickAsync(CancellationToken.None);
        Assert.True(runner.IsLeader); // the last confirmed lease still holds
        Assert.Equal(2, _task.Runs);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_task.StillLeading!()); // a task in progress is told before its next write
        await runner.TickAsync(CancellationToken.None);
        Assert.False(runner.IsLeader);
        Assert.Equal(2, _task.Runs);
    }

    [Fact]
    public async Task TickAsync_LeaseLostToAnother_StopsAtOnce()
    {
        var runner = Runner();
        await runner.TickAsync(CancellationToken.None);
        _lease.Answer = false;

        await runner.TickAsync(CancellationToken.None);

        Assert.False(runner.IsLeader);
        Assert.Equal(1, _task.Runs);
    }

    [Fact]
    public async Task TickAsync_LeaseScriptRefused_FollowsWithoutThrowing()
    {
        var runner = Runner();
        await runner.TickAsync(CancellationToken.None);
        _lease.Refusal = new InvalidOperationException("NOPERM this user has no permissions to run the 'evalsha' command");

        // A throw here would end the background service, and with it the router: unconfirmed, like an outage.
        await runner.TickAsync(CancellationToken.None);
        Assert.True(runner.IsLeader);
        Assert.Equal(2, _task.Runs);
        _time.Advance(TimeSpan.FromSeconds(10));
        await runner.TickAsync(CancellationToken.None);
        Assert.False(runner.IsLeader);
        Assert.Equal(2, _task.Runs);
    }

    [Fact]
    public async Task StopAsync_ReleaseRefused_StopsCleanly()
    {
        var runner = Runner();
        await runner.TickAsync(CancellationToken.None);
        _lease.Refusal = new InvalidOperationException("READONLY You can't write against a read only replica.");

        await runner.StopAsync(CancellationToken.None);

        Assert.False(runner.IsLeader);
    }

    private sealed class ScriptedLease : IFleetLeaseStore
    {
        public bool Answer { get; set; } = true;

        public bool Fail { get; set; }

        public Exception? Refusal { get; set; }

        public Task<bool> AcquireAsync(string holderId, TimeSpan lease, CancellationToken cancellationToken = default) =>
            Refusal is not null ? throw Refusal : Fail ? throw new RouteStoreUnavailableException("down") : Task.FromResult(Answer);

        public Task ReleaseAsync(string holderId, CancellationToken cancellationToken = default) =>
            Refusal is not null ? throw Refusal : Task.CompletedTask;

        public Task<string?> HolderAsync(CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);
    }

    private sealed class CountingTask : IFleetTask
    {
        public string Name => "counting";

        public int Runs { get; private set; }

        public bool LastStillLeading { get; private set; }

        public Func<bool>? StillLeading { get; private set; }

        public Task RunAsync(Func<bool> stillLeading, CancellationToken cancellationToken)
        {
            Runs++;
            StillLeading = stillLeading;
            LastStillLeading = stillLeading();
            return Task.CompletedTask;
        }
    }
}
