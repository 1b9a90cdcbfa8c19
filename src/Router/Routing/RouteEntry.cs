using Entrance.Core.Store;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Sticky;

namespace Entrance.Router.Routing;

/// <summary>A resolved route compiled for the hot path: backend states, policy and the live set, computed once per lookup.</summary>
public sealed class RouteEntry
{
    private readonly long[] _deadUntil; // per backend, unix ms; 0 when alive
    private readonly int[] _recordIndexes;
    private readonly long[]? _expiresAtMs; // per backend, monotonic ms of _time; null when none expires
    private readonly TimeProvider _time;
    private readonly long[] _smoothCurrent; // smooth weighted round-robin's current weights, per backend
    private LiveSet _live;
    private int _roundRobin;
    private long _panicLoggedMs;

    /// <param name="expiresAtMs">Per backend, when its registration expires in monotonic ms of <paramref name="time"/> (<see cref="long.MaxValue"/>: never); null when none expires.</param>
    /// <param name="paths">The host's path routes, longest prefix first.</param>
    public RouteEntry(
        RouteRecord record,
        BackendState[] backends,
        int[] recordIndexes,
        long[] deadUntil,
        ILoadBalancingPolicy policy,
        long[]? expiresAtMs = null,
        TimeProvider? time = null,
        RouteEntry[]? paths = null)
    {
        Record = record;
        Backends = backends;
        _recordIndexes = recordIndexes;
        _deadUntil = deadUntil;
        _expiresAtMs = expiresAtMs;
        _time = time ?? TimeProvider.System;
        _smoothCurrent = new long[backends.Length];
        Policy = policy;
        Tls = RouteTlsSettings.From(record.Settings);
        Forwarding = RouteForwardingSettings.From(record.Settings);
        Paths = paths ?? [];
        Prefix = record.PathPrefix;
        StripPrefix = record.StripPrefix;
        PathExact = record.PathExact;
        foreach (var b in backends)
        {
            Weighted |= b.Weight != 1;
        }

        Sticky = StickySettings.From(record);
        _live = new LiveSet(backends, false, long.MinValue, long.MinValue); // computed on the first pick, with the caller's clock
    }

    /// <summary>The host's path routes, longest prefix first (see <see cref="PathRoutes"/>); empty for most hosts.</summary>
    public RouteEntry[] Paths { get; }

    /// <summary>A path route's prefix (<c>/api</c>); null for a host route.</summary>
    public string? Prefix { get; }

    /// <summary>A path route whose prefix is removed from the path before forwarding (<c>strip_prefix 1</c>).</summary>
    public bool StripPrefix { get; }

    /// <summary>A path route that matches only its prefix exactly (<c>path_exact 1</c>).</summary>
    public bool PathExact { get; }

    /// <summary>True when some backend's weight is not 1: the policies then pick by weight.</summary>
    public bool Weighted { get; }

    public RouteRecord Record { get; }

    public BackendState[] Backends { get; }

    public ILoadBalancingPolicy Policy { get; }

    /// <summary>The route's HTTPS settings, parsed with the entry (once per cache fill).</summary>
    public RouteTlsSettings Tls { get; }

    /// <summary>The route's forwarding limits and options, parsed with the entry (once per cache fill).</summary>
    public RouteForwardingSettings Forwarding { get; }

    /// <summary>The route's sticky-session settings, parsed with the entry; <see cref="StickySettings.Off"/> when unset.</summary>
    public StickySettings Sticky { get; }

    /// <summary>The sticky cookie values of <see cref="Backends"/>, by index, made on first use (see <c>StickySessions</c>).</summary>
    internal string[]? StickyTokens { get; set; }

    /// <summary>The client for this route's https:// backends, resolved on first use (see <c>BackendClients</c>).</summary>
    internal HttpMessageInvoker? TlsClient { get; set; }

    /// <summary>
    /// Backends not marked dead, not drained (weight 0) and whose registration has not expired, now. When none is left:
    /// the unexpired weighted ones even though dead (panic mode), else the unexpired drained ones; never an expired one
    /// (empty when every backend has expired).
    /// </summary>
    public BackendState[] Live(long nowUnixMs, out bool panic)
    {
        var live = _live;
        var nowMono = _expiresAtMs is null ? 0 : _time.GetMonotonicMs();
        if (nowUnixMs >= live.ValidUntil || nowMono >= live.ValidUntilMono)
        {
            live = ComputeLive(nowUnixMs, nowMono);
            _live = live;
        }

        panic = live.Panic;
        return live.Backends;
    }

    /// <summary>Every backend whose registration has not expired (all of them unless some expire), for retries past the live ones.</summary>
    public BackendState[] Unexpired()
    {
        if (_expiresAtMs is null)
        {
            return Backends;
        }

        var now = _time.GetMonotonicMs();
        var list = new List<BackendState>(Backends.Length);
        for (var i = 0; i < Backends.Length; i++)
        {
            if (_expiresAtMs[i] > now)
            {
                list.Add(Backends[i]);
            }
        }

        return [.. list];
    }

    /// <summary>The ms a backend's registration has left now (&lt;= 0: expired); <see cref="long.MaxValue"/> when it never expires.</summary>
    public long RegistrationLeftMs(int index) =>
        _expiresAtMs is null || _expiresAtMs[index] == long.MaxValue ? long.MaxValue : _expiresAtMs[index] - _time.GetMonotonicMs();

    /// <summary>The expiry of a backend's dead mark (unix ms), or 0 when it is alive.</summary>
    public long DeadUntil(int index) => _deadUntil[index];

    /// <summary>The backend's index in <see cref="Record"/>'s backends (hipache's dead marks are by that index).</summary>
    public int RecordIndexOf(BackendState backend)
    {
        var i = Array.IndexOf(Backends, backend);
        return i < 0 ? -1 : _recordIndexes[i];
    }

    /// <summary>
    /// Takes a backend out of rotation here and now, until <paramref name="untilUnixMs"/>. Returns false when it is
    /// already marked until at least <paramref name="untilUnixMs"/> minus <paramref name="renewWithinMs"/>, so the caller
    /// need not tell Redis again: a backend that keeps failing (panic mode routes to it) is re-marked, written and
    /// published once per <paramref name="renewWithinMs"/> at most, not on every failure.
    /// </summary>
    public bool MarkDead(BackendState backend, long untilUnixMs, long renewWithinMs = 1000)
    {
        var i = Array.IndexOf(Backends, backend);
        if (i < 0 || Volatile.Read(ref _deadUntil[i]) >= untilUnixMs - renewWithinMs)
        {
            return false;
        }

        Volatile.Write(ref _deadUntil[i], untilUnixMs);
        _live = _live with { ValidUntil = long.MinValue }; // recomputed on the next pick
        return true;
    }

    /// <summary>True at most once every 10 s per route (<paramref name="nowUnixMs"/> the caller's clock), so panic mode is logged without a line per request.</summary>
    public bool ShouldLogPanic(long nowUnixMs)
    {
        var last = Volatile.Read(ref _panicLoggedMs);
        return (last == 0 || nowUnixMs - last >= 10_000) && Interlocked.CompareExchange(ref _panicLoggedMs, nowUnixMs, last) == last;
    }

    internal int NextRoundRobin() => Interlocked.Increment(ref _roundRobin);

    /// <summary>
    /// nginx's smooth weighted round-robin over <paramref name="candidates"/>: each pick adds every candidate's weight
    /// to its current weight, takes the largest and subtracts the total from it, so 5:1:1 goes a a b a c a a, not a a a a a b c.
    /// </summary>
    internal BackendState SmoothPick(BackendState[] candidates)
    {
        lock (_smoothCurrent)
        {
            long total = 0;
            var best = -1;
            foreach (var b in candidates)
            {
                var i = Array.IndexOf(Backends, b);
                if (i < 0)
                {
                    continue;
                }

                var w = Math.Max(b.Weight, 0);
                _smoothCurrent[i] += w;
                total += w;
                if (best < 0 || _smoothCurrent[i] > _smoothCurrent[best])
                {
                    best = i;
                }
            }

            if (best < 0 || total == 0)
            {
                return candidates[(int)((uint)NextRoundRobin() % (uint)candidates.Length)]; // drained ones only: in turn
            }

            _smoothCurrent[best] -= total;
            return Backends[best];
        }
    }

    private LiveSet ComputeLive(long now, long nowMono)
    {
        var validUntil = long.MaxValue;
        var validUntilMono = long.MaxValue;
        int alive = 0, unexpired = 0, weighted = 0;
        for (var i = 0; i < _deadUntil.Length; i++)
        {
            if (_expiresAtMs is not null)
            {
                if (_expiresAtMs[i] <= nowMono)
                {
                    continue;
                }

                validUntilMono = Math.Min(validUntilMono, _expiresAtMs[i]);
            }

            unexpired++;
            if (Backends[i].Weight == 0)
            {
                continue;
            }

            weighted++;
            if (_deadUntil[i] <= now)
            {
                alive++;
            }
            else
            {
                validUntil = Math.Min(validUntil, _deadUntil[i]);
            }
        }

        if (alive == Backends.Length)
        {
            return new LiveSet(Backends, false, validUntil, validUntilMono);
        }

        // Nobody alive: panic mode over the weighted ones, or, when all are drained, the drained ones.
        var stage = alive > 0 ? 0 : weighted > 0 ? 1 : 2;
        var count = stage switch { 0 => alive, 1 => weighted, _ => unexpired };
        var result = new BackendState[count];
        var n = 0;
        for (var i = 0; i < Backends.Length && n < count; i++)
        {
            var keep = (_expiresAtMs is null || _expiresAtMs[i] > nowMono)
                       && (stage == 2 || Backends[i].Weight > 0)
                       && (stage != 0 || _deadUntil[i] <= now);
            if (keep)
            {
                result[n++] = Backends[i];
            }
        }

        return new LiveSet(result, stage == 1, validUntil, validUntilMono);
    }

    private sealed record LiveSet(BackendState[] Backends, bool Panic, long ValidUntil, long ValidUntilMono);
}
