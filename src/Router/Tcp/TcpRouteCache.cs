using System.Collections.Concurrent;
using System.Globalization;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tcp;

/// <summary>How a TCP route was found: fresh in the cache, read from Redis now, or the last known answer while Redis is down.</summary>
public enum TcpLookupSource
{
    Cache,
    Store,
    Stale,
}

public readonly record struct TcpLookup(TcpRouteEntry? Entry, TcpLookupSource Source, CacheSlot<TcpRouteEntry> Slot);

/// <summary>
/// Port → TCP route, the same way <see cref="RouteCache"/> does hosts: a short TTL (<c>Entrance:CacheTtl</c>; while the
/// TCP invalidations are subscribed and the route feed says changes are pushed, the HTTP cache's current TTL, i.e.
/// <c>Entrance:NotifiedCacheTtl</c>, and back to <c>CacheTtl</c> at once when pushing stops), "no route" cached too, one Redis read per port at a time (<see cref="SingleFlight{TResult}"/>) behind the breaker and
/// limiter (<see cref="GuardedLookups"/>), invalidations mark answers stale, and a stale answer stands in while Redis
/// cannot answer (up to <c>Entrance:MaxStale</c>). Only configured ports are ever looked up, so the map is bounded.
/// </summary>
public sealed class TcpRouteCache : IDisposable
{
    private readonly ConcurrentDictionary<int, CacheSlot<TcpRouteEntry>> _slots = new();
    private readonly ConcurrentDictionary<int, TcpPortState> _states = new();
    private readonly SingleFlight<TcpLookup> _singleFlight = new();
    private readonly GuardedLookups _lookups;
    private readonly TcpRouteStore _store;
    private readonly RouteCache _routes;
    private readonly TcpOptions _tcp;
    private readonly TimeProvider _time;
    private readonly ILogger<TcpRouteCache> _logger;
    private readonly long _ttlMs;
    private readonly long _maxStaleMs;
    private long _generation;
    private volatile bool _subscribed;

    public TcpRouteCache(TcpRouteStore store, RouteCache routes, IOptions<EntranceOptions> options, IOptions<TcpOptions> tcp, TimeProvider time, ILogger<TcpRouteCache> logger)
    {
        var o = options.Value;
        _store = store;
        _routes = routes;
        _tcp = tcp.Value;
        _time = time;
        _logger = logger;
        _ttlMs = (long)o.CacheTtl.TotalMilliseconds;
        _maxStaleMs = (long)o.MaxStale.TotalMilliseconds;
        _lookups = GuardedLookups.From(o, time);
    }

    public long NowMs => _time.GetMonotonicMs();

    /// <summary>The TTL answers get now: the HTTP cache's (pushed or polling) once TCP changes are subscribed, else <c>CacheTtl</c>.</summary>
    public long TtlMs => _subscribed ? Math.Max(_ttlMs, (long)_routes.CurrentTtl.TotalMilliseconds) : _ttlMs;

    /// <summary>TCP route changes are subscribed (<see cref="TcpInvalidation"/>): answers may live as long as HTTP ones.</summary>
    public void ChangesSubscribed() => _subscribed = true;

    public TcpPortState State(int port) => _states.GetOrAdd(port, static p => new TcpPortState(p));

    /// <summary>The port's route. Throws <see cref="RouteStoreUnavailableException"/> when Redis cannot answer and nothing usable is cached.</summary>
    public ValueTask<TcpLookup> GetAsync(int port)
    {
        var now = _time.GetMonotonicMs();

        // Fresh, and not older than the TTL now: when pushing stops, answers stored under the long TTL expire at once.
        if (_slots.TryGetValue(port, out var slot) && slot.FreshUntilMs > now && now - slot.StoredAtMs < TtlMs)
        {
            return new ValueTask<TcpLookup>(new TcpLookup(slot.Entry, TcpLookupSource.Cache, slot));
        }

        return new ValueTask<TcpLookup>(_singleFlight.RunAsync(
            port.ToString(CultureInfo.InvariantCulture), (this, port, slot), static (_, s) => s.Item1.LookupAsync(s.port, s.slot)));
    }

    public CacheSlot<TcpRouteEntry>? Peek(int port) => _slots.TryGetValue(port, out var slot) ? slot : null;

    /// <summary>A port's route changed (null: every port's may have): its answer is read again on the next connection.</summary>
    public void Invalidate(int? port)
    {
        Interlocked.Increment(ref _generation);
        if (port is null)
        {
            foreach (var slot in _slots.Values)
            {
                slot.MarkStale();
            }
        }
        else if (_slots.TryGetValue(port.Value, out var slot))
        {
            slot.MarkStale();
        }
    }

    private async Task<TcpLookup> LookupAsync(int port, CacheSlot<TcpRouteEntry>? previous)
    {
        var generation = Interlocked.Read(ref _generation);
        TcpRouteRecord? record;
        try
        {
            record = await _lookups.RunAsync(_store.IsConnected, port.ToString(CultureInfo.InvariantCulture), (_store, port),
                static (s, _) => s._store.ReadAsync(s.port)).ConfigureAwait(false);
        }
        catch (RouteStoreUnavailableException ex) when (previous is not null && WithinStaleLimit(previous))
        {
            _logger.LogDebug("Serving stale TCP route for port {Port}: {Reason}", port, ex.Message);
            return new TcpLookup(previous.Entry, TcpLookupSource.Stale, previous);
        }

        var entry = record is null ? null : new TcpRouteEntry(record, State(port), _tcp, _logger);
        var now = _time.GetMonotonicMs();
        var ttl = TtlMs;
        var fresh = Interlocked.Read(ref _generation) == generation ? now + ttl - Random.Shared.NextInt64(ttl / 10 + 1) : 0;
        var slot = new CacheSlot<TcpRouteEntry>(entry, fresh, now);
        _slots[port] = slot;
        return new TcpLookup(entry, TcpLookupSource.Store, slot);
    }

    /// <summary>A last known route may stand in for Redis up to <c>MaxStale</c> after it was read; "no route" for one TTL.</summary>
    private bool WithinStaleLimit(CacheSlot<TcpRouteEntry> previous) =>
        _time.GetMonotonicMs() - previous.StoredAtMs <= (previous.Entry is null ? _ttlMs : _maxStaleMs);

    public void Dispose() => _lookups.Dispose();
}
