using System.Diagnostics;
using System.Globalization;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Leadership;

/// <summary>Whether this instance may write now. The sync loop asks before every write.</summary>
public interface ILeadership
{
    bool CanWrite { get; }
    string Identity { get; }

    /// <summary>Raised (from the elector's loop) when this instance starts or stops leading.</summary>
    event Action<bool>? LeadershipChanged;
}

/// <summary>For a single replica with leader election off: always the writer.</summary>
public sealed class AlwaysLeader(string identity) : ILeadership
{
    public bool CanWrite => true;
    public string Identity => identity;
    public event Action<bool>? LeadershipChanged { add { } remove { } }
}

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it. A candidate takes the lease when it is
/// free or its holder has not renewed for leaseDuration (timed on the local clock from when this candidate last saw
/// the record change, so clock skew between nodes does not matter). The leader renews every retryPeriod; updates
/// carry the resourceVersion, so of two racing candidates one gets 409 Conflict. A leader stops writing as soon as
/// renewDeadline has passed since the last renewal it sent — before leaseDuration, when a standby could take over.
/// </summary>
public sealed class LeaderElector : ILeadership
{
    private readonly KubeClient _client;
    private readonly LeaderElectionOptions _options;
    private readonly string _namespace;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Monotonic timestamps (Stopwatch), immune to wall-clock jumps.
    private long _validUntil;
    private volatile bool _leading;
    private Lease? _observed;
    private string? _observedKey;
    private long _observedAt;

    public LeaderElector(KubeClient client, LeaderElectionOptions options, string ns, ILogger logger, TimeProvider? time = null)
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
        _time = time ?? TimeProvider.System;
        Identity = string.IsNullOrWhiteSpace(options.Identity) ? DefaultIdentity() : options.Identity;
    }

    public string Identity { get; }

    public event Action<bool>? LeadershipChanged;

    public bool IsLeading => _leading;

    /// <summary>Leading and within renewDeadline of the last renewal sent: checked on the clock, not just the flag.</summary>
    public bool CanWrite => _leading && Stopwatch.GetTimestamp() < Volatile.Read(ref _validUntil);

    public long Transitions { get; private set; }

    public static string DefaultIdentity() =>
        Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}_{Environment.ProcessId}";

    public async Task RunAsync(CancellationToken ct)
    {
        _logger.LogInformation("leader election: lease {Ns}/{Name} as {Identity} (lease {Lease}s, renew deadline {Renew}s, retry {Retry}s)",
            _namespace, _options.LeaseName, Identity, _options.LeaseDuration.TotalSeconds, _options.RenewDeadline.TotalSeconds, _options.RetryPeriod.TotalSeconds);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var attemptStart = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(_leading ? _options.RenewDeadline : _options.RetryPeriod * 2);
                    ok = await TryAcquireOrRenewAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    _logger.LogWarning("leader election: lease {Ns}/{Name}: {Error}", _namespace, _options.LeaseName, e.Message);
                    ok = false;
                }

                if (ok)
                {
                    var wasWritable = CanWrite;
                    // Valid for renewDeadline from when the renewal was sent (the lease's renewTime is about then).
                    Volatile.Write(ref _validUntil, attemptStart + (long)(_options.RenewDeadline.TotalSeconds * Stopwatch.Frequency));
                    if (!_leading)
                    {
                        SetLeading(true);
                    }
                    else if (!wasWritable)
                    {
                        // Still the holder, but writes had stopped (the deadline passed during a slow renewal): resume them.
                        _logger.LogInformation("leader election: {Identity} renewed after its renew deadline; writing again", Identity);
                        LeadershipChanged?.Invoke(true);
                    }
                }
                else if (_leading && Stopwatch.GetTimestamp() >= Volatile.Read(ref _validUntil))
                {
                    _logger.LogWarning("leader election: could not renew lease {Ns}/{Name} within {Deadline}s; stopping writes", _namespace, _options.LeaseName, _options.RenewDeadline.TotalSeconds);
                    SetLeading(false);
                }

                // client-go waits retryPeriod between attempts; standbys add jitter so they do not stampede.
                var wait = _leading ? _options.RetryPeriod : _options.RetryPeriod * (1 + Random.Shared.NextDouble() * 0.2);
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    private void SetLeading(bool leading)
    {
        if (_leading == leading)
        {
            return;
        }

        _leading = leading;
        if (!leading)
        {
            Volatile.Write(ref _validUntil, 0);
        }
        else
        {
            Transitions++;
        }

        _logger.LogInformation("leader election: {Identity} is now {Role}", Identity, leading ? "the leader" : "a standby");
        LeadershipChanged?.Invoke(leading);
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var lease = await _client.GetLeaseAsync(_namespace, _options.LeaseName, ct).ConfigureAwait(false);
        if (lease is null)
        {
            var created = new Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new ObjectMeta { Name = _options.LeaseName, Namespace = _namespace },
                Spec = new LeaseSpec
                {
                    HolderIdentity = Identity,
                    LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
                    AcquireTime = MicroTime(now),
                    RenewTime = MicroTime(now),
                    LeaseTransitions = 0,
                },
            };
            try
            {
                Observe(await _client.CreateLeaseAsync(created, ct).ConfigureAwait(false));
                return true;
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
                return false;
            }
        }

        Observe(lease);
        var holder = lease.Spec.HolderIdentity;
        var iHold = holder == Identity;
        if (!string.IsNullOrEmpty(holder) && !iHold)
        {
            var duration = TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? (int)_options.LeaseDuration.TotalSeconds);
            if (Stopwatch.GetElapsedTime(_observedAt) < duration)
            {
                if (_leading)
                {
                    // Someone else holds it: we lost it (e.g. after a long pause); stop at once.
                    SetLeading(false);
                }

                return false;
            }

            _logger.LogInformation("leader election: lease {Ns}/{Name} held by {Holder} expired; taking over", _namespace, _options.LeaseName, holder);
        }

        var spec = lease.Spec;
        lease.Spec = new LeaseSpec
        {
            HolderIdentity = Identity,
            LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
            AcquireTime = iHold ? spec.AcquireTime ?? MicroTime(now) : MicroTime(now),
            RenewTime = MicroTime(now),
            LeaseTransitions = iHold ? spec.LeaseTransitions ?? 0 : (spec.LeaseTransitions ?? 0) + 1,
        };
        try
        {
            Observe(await _client.UpdateLeaseAsync(lease, ct).ConfigureAwait(false));
            return true;
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            if (_leading)
            {
                SetLeading(false);
            }

            return false;
        }
    }

    /// <summary>Remembers when the record last changed, by our own clock.</summary>
    private void Observe(Lease lease)
    {
        var key = $"{lease.Spec.HolderIdentity}|{lease.Spec.RenewTime}|{lease.Metadata.ResourceVersion}";
        if (key != _observedKey)
        {
            _observedKey = key;
            _observedAt = Stopwatch.GetTimestamp();
        }

        _observed = lease;
    }

    /// <summary>On a clean shutdown, hand the lease back (holder empty) so a standby takes over at its next retry.</summary>
    private async Task ReleaseAsync()
    {
        var wasLeading = _leading;
        SetLeading(false);
        if (!wasLeading || !_options.ReleaseOnCancel || _observed is not { } lease || lease.Spec.HolderIdentity != Identity)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            lease.Spec = new LeaseSpec
            {
                HolderIdentity = string.Empty,
                LeaseDurationSeconds = 1,
                AcquireTime = lease.Spec.AcquireTime,
                RenewTime = MicroTime(_time.GetUtcNow()),
                LeaseTransitions = lease.Spec.LeaseTransitions,
            };
            await _client.UpdateLeaseAsync(lease, timeout.Token).ConfigureAwait(false);
            _logger.LogInformation("leader election: released lease {Ns}/{Name}", _namespace, _options.LeaseName);
        }
        catch (Exception e)
        {
            _logger.LogWarning("leader election: could not release lease {Ns}/{Name}: {Error}", _namespace, _options.LeaseName, e.Message);
        }
    }

    /// <summary>metav1.MicroTime: RFC 3339 in UTC with microseconds.</summary>
    public static string MicroTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
