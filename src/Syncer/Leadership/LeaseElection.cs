using System.Diagnostics;
using Entrance.Syncer.Configuration;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Leadership;

/// <summary>
/// Leader election with the library's <see cref="LeaderElector"/> over a coordination.k8s.io/v1 Lease
/// (<see cref="LeaseLock"/>). The library decides who leads; <see cref="CanWrite"/> adds the promise the library does
/// not keep by itself: writes stop as soon as RenewDeadline has passed since the last successful renewal was
/// <b>sent</b> (timed on the monotonic clock by <see cref="RenewalClock"/>), before LeaseDuration, when a standby
/// could take over. The library only notices a failed renewal RetryPeriod + RenewDeadline after the last success.
/// On a clean shutdown the lease is handed back (the library never releases it).
/// </summary>
public sealed class LeaseElection : ILeadership
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly string _namespace;
    private readonly ILogger _logger;
    private long _validUntil;
    private volatile bool _leading;

    public LeaseElection(IKubernetes client, LeaderElectionOptions options, string ns, ILogger logger)
    {
        if (options.RenewDeadline >= options.LeaseDuration)
        {
            throw new ArgumentException("Syncer:LeaderElection:RenewDeadline must be shorter than LeaseDuration");
        }

        if (options.RetryPeriod >= options.RenewDeadline)
        {
            throw new ArgumentException("Syncer:LeaderElection:RetryPeriod must be shorter than RenewDeadline");
        }

        _client = client;
        _options = options;
        _namespace = ns;
        _logger = logger;
        // POD_NAME, else host name + pid.
        Identity = !string.IsNullOrWhiteSpace(options.Identity) ? options.Identity
            : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}_{Environment.ProcessId}";
    }

    public string Identity { get; }

    public event Action<bool>? LeadershipChanged;

    /// <summary>Leading and within RenewDeadline of the last renewal sent: checked on the clock, not just a flag.</summary>
    public bool CanWrite => _leading && Stopwatch.GetTimestamp() < Volatile.Read(ref _validUntil);

    public async Task RunAsync(CancellationToken ct)
    {
        _logger.LogInformation("leader election: lease {Ns}/{Name} as {Identity} (lease {Lease}s, renew deadline {Renew}s, retry {Retry}s)",
            _namespace, _options.LeaseName, Identity, _options.LeaseDuration.TotalSeconds, _options.RenewDeadline.TotalSeconds, _options.RetryPeriod.TotalSeconds);
        var leaseLock = new RenewalClock(new LeaseLock(_client, _namespace, _options.LeaseName, Identity), this);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        });
        elector.OnStartedLeading += () => SetLeading(true);
        elector.OnStoppedLeading += () => SetLeading(false);
        elector.OnNewLeader += leader => _logger.LogInformation("leader election: lease {Ns}/{Name} is held by {Holder}", _namespace, _options.LeaseName, leader);
        elector.OnError += e => _logger.LogDebug("leader election: {Error}", e.Message);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    // Returns when leadership is lost; acquiring again starts over.
                    await elector.RunUntilLeadershipLostAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // The library lets transport errors out of its acquire loop: retry as it would have.
                    _logger.LogWarning("leader election: lease {Ns}/{Name}: {Error}", _namespace, _options.LeaseName, e.Message);
                    await Task.Delay(_options.RetryPeriod, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            SetLeading(false);
            if (_options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A create or update of the lease naming this instance succeeded; it was sent at <paramref name="sentAt"/>.</summary>
    private void Renewed(long sentAt)
    {
        var wasWritable = CanWrite;
        Volatile.Write(ref _validUntil, sentAt + (long)(_options.RenewDeadline.TotalSeconds * Stopwatch.Frequency));
        if (_leading && !wasWritable)
        {
            // Still the holder, but writes had stopped (the deadline passed during slow renewals): resume them.
            _logger.LogInformation("leader election: {Identity} renewed after its renew deadline; writing again", Identity);
            LeadershipChanged?.Invoke(true);
        }
    }

    private void SetLeading(bool leading)
    {
        if (_leading == leading)
        {
            return;
        }

        _leading = leading;
        _logger.LogInformation("leader election: {Identity} is now {Role}", Identity, leading ? "the leader" : "a standby");
        LeadershipChanged?.Invoke(leading);
    }

    /// <summary>Hands the lease back (holder empty) so a standby takes over at its next retry, not after LeaseDuration.</summary>
    private async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != Identity)
            {
                return;
            }

            // Empty, not absent: the library's candidates treat an absent holder as "no lease" and try to create one.
            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = DateTime.UtcNow;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            _logger.LogInformation("leader election: released lease {Ns}/{Name}", _namespace, _options.LeaseName);
        }
        catch (Exception e)
        {
            _logger.LogWarning("leader election: could not release lease {Ns}/{Name}: {Error}", _namespace, _options.LeaseName, e.Message);
        }
    }

    /// <summary>The library's lock, timing each successful create or update that names this instance.</summary>
    private sealed class RenewalClock(ILock inner, LeaseElection owner) : ILock
    {
        public string Identity => inner.Identity;

        public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) => inner.GetAsync(cancellationToken);

        public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
            TimedAsync(record, () => inner.CreateAsync(record, cancellationToken));

        public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
            TimedAsync(record, () => inner.UpdateAsync(record, cancellationToken));

        public string Describe() => inner.Describe();

        private async Task<bool> TimedAsync(LeaderElectionRecord record, Func<Task<bool>> send)
        {
            var sentAt = Stopwatch.GetTimestamp();
            var ok = await send().ConfigureAwait(false);
            if (ok && record.HolderIdentity == Identity)
            {
                owner.Renewed(sentAt);
            }

            return ok;
        }
    }
}
