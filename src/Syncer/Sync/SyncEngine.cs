using System.Threading.Channels;
using Entrance.Core.Store;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Leadership;
using Entrance.Syncer.Mapping;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Sync;

/// <summary>
/// Keeps Redis equal to what the informers' caches say. Every informer change wakes one loop that maps all objects
/// again (cheap, in memory) and writes only the hosts whose desired state differs from what it last wrote, one
/// atomic script per host. On becoming leader and every resync interval it writes every host (repairing keys edited
/// or deleted by hand) and removes the hosts it owns that nothing publishes any more. Only the leader writes, and it
/// asks <see cref="ILeadership.CanWrite"/> before each write; standbys keep their caches warm.
/// </summary>
public sealed class SyncEngine
{
    private readonly IReadOnlyList<Informer<V1Service, V1ServiceList>> _services;
    private readonly IReadOnlyList<Informer<V1EndpointSlice, V1EndpointSliceList>> _slices;
    private readonly IReadOnlyList<Informer<V1Ingress, V1IngressList>> _ingresses;
    private readonly IReadOnlyList<Informer<V1Secret, V1SecretList>> _secrets;
    private readonly CertificateSync _certificates;
    private readonly TcpSync _tcp;
    private readonly RedisLink _redis;
    private readonly ILeadership _leadership;
    private readonly SyncerOptions _options;
    private readonly RouteMapper _mapper;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _conflicts = new(StringComparer.Ordinal);

    // What this instance last wrote successfully; cleared when it stops leading so the next term starts with a full sync.
    private Dictionary<string, DesiredRoute> _applied = new(StringComparer.Ordinal);
    private volatile bool _fullResyncDue = true;

    public SyncEngine(
        IReadOnlyList<Informer<V1Service, V1ServiceList>> services, IReadOnlyList<Informer<V1EndpointSlice, V1EndpointSliceList>> slices,
        IReadOnlyList<Informer<V1Ingress, V1IngressList>> ingresses, RedisLink redis, ILeadership leadership, SyncerOptions options, ILogger logger,
        IReadOnlyList<Informer<V1Secret, V1SecretList>>? secrets = null)
    {
        _secrets = secrets ?? [];
        _services = services;
        _slices = slices;
        _ingresses = ingresses;
        _redis = redis;
        _leadership = leadership;
        _options = options;
        _mapper = new RouteMapper(options.IngressClass);
        _logger = logger;
        foreach (var i in services) i.Changed = Wake;
        foreach (var i in slices) i.Changed = Wake;
        foreach (var i in ingresses) i.Changed = Wake;
        foreach (var i in _secrets) i.Changed = Wake;
        _certificates = new CertificateSync(options.IngressClass, options.Owner, Stats, logger);
        _tcp = new TcpSync(options.Owner, Stats, logger);
        leadership.LeadershipChanged += leading =>
        {
            _fullResyncDue = true;
            Wake();
        };
    }

    public SyncStats Stats { get; } = new();

    public Backoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    public bool AllSynced => _services.All(i => i.HasSynced) && _slices.All(i => i.HasSynced) && _ingresses.All(i => i.HasSynced) && _secrets.All(i => i.HasSynced);

    public IEnumerable<(string Kind, int Count)> Watched =>
    [
        ("service", _services.Sum(i => i.Count)),
        ("endpointslice", _slices.Sum(i => i.Count)),
        ("ingress", _ingresses.Sum(i => i.Count)),
        ("secret", _secrets.Sum(i => i.Count)),
    ];

    public IEnumerable<InformerStats> InformerStats => _services.Select(i => i.Stats).Concat(_slices.Select(i => i.Stats)).Concat(_ingresses.Select(i => i.Stats)).Concat(_secrets.Select(i => i.Stats));

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Asks for a full resync at the next wake-up (and wakes now).</summary>
    public void RequestFullResync()
    {
        _fullResyncDue = true;
        Wake();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        using var resync = new PeriodicTimer(_options.ResyncInterval);
        var resyncLoop = Task.Run(async () =>
        {
            try
            {
                while (await resync.WaitForNextTickAsync(ct).ConfigureAwait(false))
                {
                    RequestFullResync();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        try
        {
            while (await _wake.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                if (!_leadership.CanWrite)
                {
                    // Changes seen now are not written; the next time this instance may write, it syncs everything.
                    _applied.Clear();
                    _certificates.Reset();
                    _tcp.Reset();
                    _fullResyncDue = true;
                    Stats.HostsOwned = 0;
                    Stats.CertificatesOwned = 0;
                    continue;
                }

                // Until every cache is filled, "not published" may just mean "not listed yet": never remove then.
                if (!AllSynced)
                {
                    continue;
                }

                try
                {
                    await SyncOnceAsync(ct).ConfigureAwait(false);
                    Backoff.Reset();
                }
                catch (LeadershipLostException)
                {
                    // The rest of the pass was not written; the next term starts with a full sync.
                    _applied.Clear();
                    _certificates.Reset();
                    _tcp.Reset();
                    _fullResyncDue = true;
                    _logger.LogWarning("leadership lost during a sync pass; stopped writing");
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref Stats.RedisErrors);
                    _fullResyncDue = true;
                    var delay = Backoff.Next();
                    _logger.LogWarning("sync failed ({Error}); retrying in {Delay} ms", e.Message, (int)delay.TotalMilliseconds);
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    Wake();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await resyncLoop.ConfigureAwait(false);
    }

    /// <summary>One pass: map, diff against what was written, write the difference (everything on a full resync).</summary>
    internal async Task SyncOnceAsync(CancellationToken ct)
    {
        var full = _fullResyncDue;
        _fullResyncDue = false;
        var result = _mapper.Map(_services.SelectMany(i => i.Items), _slices.SelectMany(i => i.Items), _ingresses.SelectMany(i => i.Items));
        LogWarningsOnce(result.Warnings);

        var desired = result.Routes;
        var writer = _redis.Writer;
        var toWrite = desired.Values.Where(h => full || !_applied.TryGetValue(h.Name, out var old) || !old.SameAs(h)).ToList();
        var toRemove = new HashSet<string>(_applied.Keys.Where(k => !desired.ContainsKey(k)), StringComparer.Ordinal);
        if (full)
        {
            // Hosts owned by the Syncer that nothing publishes any more, e.g. deleted while no Syncer was leading.
            foreach (var (name, owner) in await writer.OwnersAsync().ConfigureAwait(false))
            {
                if (owner == _options.Owner && !desired.ContainsKey(name))
                {
                    toRemove.Add(name);
                }
            }
        }

        var applied = full ? new Dictionary<string, DesiredRoute>(StringComparer.Ordinal) : new Dictionary<string, DesiredRoute>(_applied, StringComparer.Ordinal);
        const int batch = 500;
        for (var start = 0; start < toWrite.Count; start += batch)
        {
            EnsureLeader();
            var slice = toWrite.Skip(start).Take(batch).ToList();
            var specs = slice.Select(h => new RouteSpec(h.Name, h.Backends.ToList(), h.Settings)).ToList();
            var results = await writer.ApplyManyAsync(specs, _options.Owner, OwnershipMode.OwnedOnly).ConfigureAwait(false);
            for (var i = 0; i < results.Count; i++)
            {
                var r = results[i];
                if (r.Conflict is { } owner)
                {
                    Interlocked.Increment(ref Stats.Conflicts);
                    if (!_conflicts.TryGetValue(r.Name, out var known) || known != owner)
                    {
                        _conflicts[r.Name] = owner;
                        _logger.LogWarning("conflict: host {Host} published by {Source} is owned by {Owner} in Redis; left untouched", r.Name, slice[i].Source, owner);
                    }

                    applied.Remove(r.Name);
                    continue;
                }

                _conflicts.Remove(r.Name);
                applied[r.Name] = slice[i];
                if (r.Changed)
                {
                    Interlocked.Increment(ref Stats.RedisWrites);
                    _logger.LogInformation("host {Host} ({Source}): +{Added} -{Removed} backends, {Settings} settings changed",
                        r.Name, slice[i].Source, r.Added.Count, r.Removed.Count, r.SettingsChanged);
                }
            }
        }

        foreach (var name in toRemove)
        {
            EnsureLeader();
            var outcome = await writer.RemoveAsync(name, requiredOwner: _options.Owner, includeHipache: false).ConfigureAwait(false);
            applied.Remove(name);
            _conflicts.Remove(name);
            if (outcome.Outcome == RemoveOutcome.Removed)
            {
                Interlocked.Increment(ref Stats.RedisRemovals);
                _logger.LogInformation("host {Host} removed: nothing publishes it any more", name);
            }
            else if (outcome.Outcome == RemoveOutcome.Conflict)
            {
                _logger.LogInformation("host {Host} is no longer published but is owned by {Owner}; left untouched", name, outcome.Owner);
            }
        }

        _applied = applied;
        Stats.HostsOwned = applied.Count;

        await _tcp.SyncAsync(_redis.Tcp, _services.SelectMany(i => i.Items), _slices.SelectMany(i => i.Items), full, EnsureLeader, LogWarningsOnce).ConfigureAwait(false);

        // Certificates after routes: a host's route is in place by the time its certificate is.
        if (_secrets.Count > 0)
        {
            await _certificates.SyncAsync(_redis.Certificates, _ingresses.SelectMany(i => i.Items), _secrets.SelectMany(i => i.Items), full, EnsureLeader, LogWarningsOnce).ConfigureAwait(false);
        }

        Interlocked.Increment(ref Stats.Syncs);
        if (full)
        {
            Interlocked.Increment(ref Stats.FullResyncs);
        }

        Volatile.Write(ref Stats.LastSyncUnixSeconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
    }

    private void EnsureLeader()
    {
        if (!_leadership.CanWrite)
        {
            throw new LeadershipLostException();
        }
    }

    private void LogWarningsOnce(IReadOnlyList<string> warnings)
    {
        if (_warned.Count > 10_000)
        {
            _warned.Clear();
        }

        foreach (var w in warnings)
        {
            if (_warned.Add(w))
            {
                _logger.LogWarning("{Warning}", w);
            }
        }
    }
}

/// <summary>Thrown mid-sync when the lease could not be renewed in time: the rest of the pass is not written.</summary>
public sealed class LeadershipLostException() : Exception("leadership lost; writes stopped");
