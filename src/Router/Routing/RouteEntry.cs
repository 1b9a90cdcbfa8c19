using Entrance.Core.Store;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Sticky;

namespace Entrance.Router.Routing;

/// <summary>A resolved route compiled for the hot path: backend states, policy and the live set, computed once per lookup.</summary>
public sealed class RouteEntry
{
    private readonly long[] _deadUntil; // per backend, unix ms; 0 when alive
    private readonly int[] _recordIndexes;
    private LiveSet _live;
    private int _roundRobin;
    private long _panicLoggedMs;

    public RouteEntry(RouteRecord record, BackendState[] backends, int[] recordIndexes, long[] deadUntil, ILoadBalancingPolicy policy)
    {
        Record = record;
        Backends = backends;
        _recordIndexes = recordIndexes;
        _deadUntil = deadUntil;
        Policy = policy;
        Tls = RouteTlsSettings.From(record.Settings);
        Sticky = StickySettings.From(record);
        _live = new LiveSet(backends, false, long.MinValue); // computed on the first pick, with the caller's clock
    }

    public RouteRecord Record { get; }

    public BackendState[] Backends { get; }

    public ILoadBalancingPolicy Policy { get; }

    /// <summary>The route's HTTPS settings, parsed with the entry (once per cache fill).</summary>
    public RouteTlsSettings Tls { get; }

    /// <summary>The route's sticky-session settings, parsed with the entry; <see cref="StickySettings.Off"/> when unset.</summary>
    public StickySettings Sticky { get; }

    /// <summary>The sticky cookie values of <see cref="Backends"/>, by index, made on first use (see <c>StickySessions</c>).</summary>
    internal string[]? StickyTokens { get; set; }

    /// <summary>The client for this route's https:// backends, resolved on first use (see <c>BackendClients</c>).</summary>
    internal HttpMessageInvoker? TlsClient { get; set; }

    /// <summary>Backends not marked dead now; every backend when all are dead (panic mode).</summary>
    public BackendState[] Live(long nowUnixMs, out bool panic)
    {
        var live = _live;
        if (nowUnixMs >= live.ValidUntil)
        {
            live = ComputeLive(nowUnixMs);
            _live = live;
        }

        panic = live.Panic;
        return live.Backends;
    }

    /// <summary>The expiry of a backend's dead mark (unix ms), or 0 when it is alive.</summary>
    public long DeadUntil(int index) => _deadUntil[index];

    /// <summary>The backend's index in <see cref="Record"/>'s backends (hipache's dead marks are by that index).</summary>
    public int RecordIndexOf(BackendState backend)
    {
        var i = Array.IndexOf(Backends, backend);
        return i < 0 ? -1 : _recordIndexes[i];
    }

    /// <summary>
    /// Takes a backend out of rotation here and now, until <paramref name="untilUnixMs"/>.
    /// Returns false when it was already marked at least that long (so the caller need not tell Redis again).
    /// </summary>
    public bool MarkDead(BackendState backend, long untilUnixMs)
    {
        var i = Array.IndexOf(Backends, backend);
        if (i < 0 || Volatile.Read(ref _deadUntil[i]) >= untilUnixMs - 1000)
        {
            return false;
        }

        Volatile.Write(ref _deadUntil[i], untilUnixMs);
        _live = _live with { ValidUntil = 0 }; // recomputed on the next pick
        return true;
    }

    /// <summary>True at most once every 10 s per route (<paramref name="nowUnixMs"/> the caller's clock), so panic mode is logged without a line per request.</summary>
    public bool ShouldLogPanic(long nowUnixMs)
    {
        var last = Volatile.Read(ref _panicLoggedMs);
        return (last == 0 || nowUnixMs - last >= 10_000) && Interlocked.CompareExchange(ref _panicLoggedMs, nowUnixMs, last) == last;
    }

    internal int NextRoundRobin() => Interlocked.Increment(ref _roundRobin);

    private LiveSet ComputeLive(long now)
    {
        var validUntil = long.MaxValue;
        var alive = 0;
        for (var i = 0; i < _deadUntil.Length; i++)
        {
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
            return new LiveSet(Backends, false, validUntil);
        }

        if (alive == 0)
        {
            return new LiveSet(Backends, Backends.Length > 0, validUntil);
        }

        var result = new BackendState[alive];
        var n = 0;
        for (var i = 0; i < Backends.Length; i++)
        {
            if (_deadUntil[i] <= now)
            {
                result[n++] = Backends[i];
            }
        }

        return new LiveSet(result, false, validUntil);
    }

    private sealed record LiveSet(BackendState[] Backends, bool Panic, long ValidUntil);
}
