using System.Collections.Frozen;
using Entrance.Core.Hosts;
using Entrance.Core.Schema;

namespace Entrance.Core.Store;

/// <summary>
/// Which wildcard route names (<c>*.parent</c>) and whether the catch-all <c>*</c> exist, so a lookup probes only
/// those instead of every parent of the host: an unknown host then costs Redis one candidate's reads, not four or more.
/// </summary>
/// <remarks>
/// Trusted only while every change reaches this process (<see cref="SetLive"/>: tracking or keyspace events) and after
/// a full scan made while it did; anything else (start, a lost feed, an "everything changed") falls back to probing
/// every candidate until the next scan. Additions arrive by the feed (<see cref="Observe"/>) before the cache is
/// invalidated, so a wildcard written by a raw <c>SADD</c> is served as fast as without the index; removals wait for
/// the periodic rescan and until then cost only an extra probe. Reads are lock-free (an immutable set swapped whole).
/// </remarks>
public sealed class KnownRouteNames
{
    private readonly object _gate = new();
    private volatile FrozenSet<string> _names = FrozenSet<string>.Empty;
    private volatile bool _trusted;
    private bool _live;
    private long _epoch;
    private List<string>? _seenDuringScan;
    private TaskCompletionSource _scanWanted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether <see cref="Candidates"/> narrows lookups right now.</summary>
    public bool Trusted => _trusted;

    /// <summary>The wildcard and catch-all names known (a snapshot).</summary>
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>Completes when a scan is needed (the feed came up, or an "everything changed" arrived).</summary>
    public Task ScanWanted
    {
        get
        {
            lock (_gate)
            {
                return _scanWanted.Task;
            }
        }
    }

    /// <summary>
    /// The route names a lookup of <paramref name="host"/> reads, in lookup order: every candidate while untrusted,
    /// else the exact name plus the wildcards and catch-all known to exist.
    /// </summary>
    public string[] Candidates(string host)
    {
        var all = HostName.Candidates(host);
        if (!_trusted || all.Length == 1)
        {
            return all;
        }

        var names = _names;
        var kept = 1;
        for (var i = 1; i < all.Length; i++)
        {
            if (names.Contains(all[i]))
            {
                all[kept++] = all[i];
            }
        }

        return kept == all.Length ? all : all[..kept];
    }

    /// <summary>
    /// A route name the change feed announced. Called before the cache drops its answers for it, so the lookup that
    /// follows already probes a new wildcard. <c>null</c> means "everything may have changed": trust ends until a scan.
    /// </summary>
    public void Observe(string? routeName)
    {
        if (routeName is null)
        {
            Untrust();
            return;
        }

        var host = RoutePath.HostOf(routeName);
        if (host != HostName.CatchAll && !HostName.IsWildcard(host))
        {
            return;
        }

        lock (_gate)
        {
            _seenDuringScan?.Add(host);
            if (!_names.Contains(host))
            {
                _names = _names.Append(host).ToFrozenSet(StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Whether every change is pushed to this process now. Coming up asks for a scan; going down ends trust.</summary>
    public void SetLive(bool live)
    {
        lock (_gate)
        {
            if (live == _live)
            {
                return;
            }

            _live = live;
        }

        Untrust();
    }

    /// <summary>Ends trust and asks for a scan (made once the feed is live).</summary>
    public void Untrust()
    {
        lock (_gate)
        {
            _trusted = false;
            _epoch++;
            _seenDuringScan = null;
            _scanWanted.TrySetResult();
        }
    }

    /// <summary>
    /// Scans Redis for every key of a wildcard or the catch-all (one SCAN walk) and, if nothing broke trust meanwhile and
    /// the feed is live, makes the result the index (plus what the feed announced during the walk) and trusts it.
    /// </summary>
    /// <returns>Whether the index is trusted afterwards.</returns>
    public async Task<bool> ScanAsync(RedisConnection redis)
    {
        long epoch;
        lock (_gate)
        {
            if (_scanWanted.Task.IsCompleted)
            {
                _scanWanted = new(TaskCreationOptions.RunContinuationsAsynchronously); // the feed coming up asks again
            }

            if (!_live)
            {
                return false;
            }

            epoch = _epoch;
            _seenDuringScan = [];
        }

        var found = await ScanWildcardsAsync(redis).ConfigureAwait(false);

        lock (_gate)
        {
            if (epoch != _epoch || !_live || _seenDuringScan is null)
            {
                return false;
            }

            found.UnionWith(_seenDuringScan);
            _seenDuringScan = null;
            _names = found.ToFrozenSet(StringComparer.Ordinal);
            _trusted = true;
            return true;
        }
    }

    /// <summary>
    /// Every wildcard and catch-all route name with a key on any primary (one node; the master behind Sentinel; every
    /// master of a cluster, since each holds only its slots). Route names hold '*' only as a wildcard's first label or
    /// the catch-all, so the walk matches keys with a '*' after the prefix.
    /// </summary>
    private static async Task<HashSet<string>> ScanWildcardsAsync(RedisConnection redis)
    {
        var keys = redis.Keys;
        var found = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var key in KeyScan.KeysAsync(redis, string.Empty, "*\\**").ConfigureAwait(false))
        {
            if (keys.RouteNameOf(((string)key!).AsSpan()) is { } name && RoutePath.HostOf(name) is var host
                && (host == HostName.CatchAll || HostName.IsWildcard(host)))
            {
                found.Add(host);
            }
        }

        return found;
    }
}
