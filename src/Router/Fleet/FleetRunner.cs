using Entrance.Core.Store;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Fleet;

/// <summary>
/// Holds <c>entrance:fleet-leader</c> for this router when it can, and while it does, runs every <see cref="IFleetTask"/>
/// about once a <see cref="FleetOptions.Tick"/>. Leadership is judged on this router's monotonic clock from when the
/// last successful renewal was <em>sent</em>: Redis starts the lease later, so the router stops believing it leads
/// before Redis lets the lease go, and two routers never both think they lead.
/// </summary>
public sealed class FleetRunner : BackgroundService
{
    private readonly IFleetLeaseStore _lease;
    private readonly IFleetTask[] _tasks;
    private readonly FleetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetRunner> _logger;
    private readonly Func<bool> _stillLeading;
    private long _leadingUntilMs = long.MinValue;
    private bool _wasLeading;
    private string? _leaseProblem;

    public FleetRunner(IFleetLeaseStore lease, IEnumerable<IFleetTask> tasks, IOptions<FleetOptions> options, TimeProvider time, ILogger<FleetRunner> logger)
    {
        _lease = lease;
        _tasks = tasks.ToArray();
        _options = options.Value;
        _time = time;
        _logger = logger;
        _stillLeading = () => IsLeader;
        Id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>This router's id in the lease key.</summary>
    public string Id { get; }

    /// <summary>True while the last renewal is confirmed and its lease not yet run out.</summary>
    public bool IsLeader => _time.GetMonotonicMs() < Volatile.Read(ref _leadingUntilMs);

    /// <summary>Completed ticks, so a test can wait for one more.</summary>
    public int Ticks { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await TickAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(_options.Tick, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One step: take or renew the lease, then run the tasks if this router leads.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var sentAt = _time.GetMonotonicMs();
        try
        {
            if (await _lease.AcquireAsync(Id, _options.LeaseDuration, cancellationToken).ConfigureAwait(false))
            {
                Volatile.Write(ref _leadingUntilMs, sentAt + (long)_options.LeaseDuration.TotalMilliseconds);
            }
            else
            {
                Volatile.Write(ref _leadingUntilMs, long.MinValue); // another router holds it
            }
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            // Unconfirmed: this router keeps leading only until its last confirmed lease runs out.
            _logger.LogDebug("Fleet lease not renewed: {Reason}", ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Refused in another way (an ACL without the lease's rights): unconfirmed too, said once per reason, and
            // never the end of the router (a failing background service would stop the host).
            if (ex.Message != _leaseProblem)
            {
                _leaseProblem = ex.Message;
                _logger.LogWarning("Fleet lease refused: {Reason}; this router does not run the fleet's work until it is granted", ex.Message);
            }
        }

        var leading = IsLeader;
        if (leading != _wasLeading)
        {
            _wasLeading = leading;
            _logger.LogInformation(leading ? "This router ({Id}) now runs the fleet's work (health checks, cleanup)" : "This router ({Id}) no longer runs the fleet's work", Id);
        }

        if (leading)
        {
            foreach (var task in _tasks)
            {
                try
                {
                    await task.RunAsync(_stillLeading, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning("Fleet task {Task} failed: {Reason}", task.Name, ex.Message);
                }
            }
        }

        Ticks++;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!_options.Enabled || !_wasLeading)
        {
            return;
        }

        Volatile.Write(ref _leadingUntilMs, long.MinValue);
        try
        {
            // Released at once so another router takes over within a tick instead of a whole lease.
            await _lease.ReleaseAsync(Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The lease runs out by itself; a refusal here must not turn a clean stop into a crash.
            _logger.LogDebug("Fleet lease not released: {Reason}", ex.Message);
        }
    }
}
