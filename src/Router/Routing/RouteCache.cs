using System.Net;
using Entrance.Core.Hosts;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.LoadBalancing;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Routing;

/// <summary>
/// The route registry of this router: host → route, from a size-bounded in-memory cache in front of the store.
/// A miss goes through <see cref="SingleFlight{TResult}"/>, <see cref="StoreCircuitBreaker"/> and
/// <see cref="LookupLimiter"/>; invalidations mark answers stale. Freshness and the stale limit are judged on the
/// slots' own times from the injected <see cref="TimeProvider"/>; the MemoryCache's own expiry only reclaims memory.
/// </summary>
public sealed class RouteCache : IDisposable
{
    private readonly MemoryCache _cache; // hosts with a route (or a bad one)
    private readonly NegativeAnswers _negative; // hosts without: a fixed table, whatever a flood sends
    private readonly SingleFlight<RouteLookup> _singleFlight = new();
    private readonly RouteDataWarnings _dataWarnings = new();
    private readonly GuardedLookups _lookups;
    private readonly KnownRouteNames? _known;
    private readonly CacheSlot<RouteEntry> _overBudget = new(null, 0, 0);
    private readonly IRouteStore _store;
    private readonly BackendRegistry _backends;
    private readonly LoadBalancingPolicies _policies;
    private readonly TimeProvider _time;
    private readonly ILogger<RouteCache> _logger;
    private readonly long _pollingTtlMs;
    private readonly long _notifiedTtlMs;
    private long _ttlMs;
    private readonly TimeSpan _maxStale;
    private readonly long _maxStaleMs;
    private long _generation;

    public RouteCache(
        IRouteStore store,
        BackendRegistry backends,
        LoadBalancingPolicies policies,
        IOptions<EntranceOptions> options,
        TimeProvider time,
        ILogger<RouteCache> logger,
        KnownRouteNames? known = null)
    {
        var o = options.Value;
        _store = store;
        _backends = backends;
        _policies = policies;
        _time = time;
        _logger = logger;
        _pollingTtlMs = (long)o.CacheTtl.TotalMilliseconds;
        _notifiedTtlMs = Math.Max(_pollingTtlMs, (long)o.NotifiedCacheTtl.TotalMilliseconds);
        _ttlMs = _pollingTtlMs;
        _maxStale = o.MaxStale;
        _maxStaleMs = (long)o.MaxStale.TotalMilliseconds;
        _lookups = GuardedLookups.From(o, time);
        Budget = new LookupBudget(o.LookupBudget, time);
        _known = o.WildcardIndex ? known : null;
        _negative = new NegativeAnswers(o.CacheSizeLimit);
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = o.CacheSizeLimit,
            CompactionPercentage = 0.10,
            ExpirationScanFrequency = TimeSpan.FromSeconds(30),
        });
    }

    /// <summary>Hosts answered: with a route, and "no such host".</summary>
    public int Count => _cache.Count + _negative.Count;

    /// <summary>The budget of misses for hosts without a cached route (see <see cref="GetAsync(string, IPAddress?)"/>).</summary>
    public LookupBudget Budget { get; }

    /// <summary>True while Redis lookups fail fast.</summary>
    public bool StoreCircuitOpen => _lookups.BreakerOpen || !_store.IsConnected;

    /// <summary>The TTL given to answers stored now.</summary>
    public TimeSpan CurrentTtl => TimeSpan.FromMilliseconds(Interlocked.Read(ref _ttlMs));

    /// <summary>Now on the cache's clock, in the unit of <see cref="CacheSlot{TEntry}"/>'s times.</summary>
    public long NowMs => _time.GetMonotonicMs();

    /// <summary>
    /// Whether every change is pushed to this router right now. While it is, answers get the longer notified TTL;
    /// when it stops, answers are capped back to the polling TTL so none outlives it.
    /// </summary>
    public void SetChangesPushed(bool pushed)
    {
        _known?.SetLive(pushed); // the wildcard index is only as good as the feed that keeps it current
        var ttl = pushed ? _notifiedTtlMs : _pollingTtlMs;
        if (Interlocked.Exchange(ref _ttlMs, ttl) == ttl || pushed)
        {
            return;
        }

        var now = _time.GetMonotonicMs();
        _negative.MarkAllStale(now); // cheaper than capping each: "not found" is re-read once
        var cap = now + _pollingTtlMs;
        foreach (var key in _cache.Keys)
        {
            if (_cache.TryGetValue(key, out CacheSlot<RouteEntry>? slot))
            {
                slot!.CapFreshness(cap);
            }
        }
    }

    /// <summary>Resolves a normalised host, outside any budget (admin reports, internal callers). Throws <see cref="RouteStoreUnavailableException"/> when Redis cannot answer and nothing is cached.</summary>
    public ValueTask<RouteLookup> GetAsync(string host) => GetAsync(host, null, budgeted: false);

    /// <summary>
    /// Resolves a normalised host for a request from <paramref name="client"/>. A miss for a host without a cached route
    /// (unknown, "not found", or evicted) spends the client's and the router's <see cref="Budget"/>; over it, the answer
    /// is <see cref="RouteLookupSource.OverBudget"/> at once, without Redis. Refreshing a cached route is never charged.
    /// </summary>
    public ValueTask<RouteLookup> GetAsync(string host, IPAddress? client) => GetAsync(host, client, budgeted: true);

    private ValueTask<RouteLookup> GetAsync(string host, IPAddress? client, bool budgeted)
    {
        if (_cache.TryGetValue(host, out CacheSlot<RouteEntry>? slot))
        {
            if (slot!.FreshUntilMs > _time.GetMonotonicMs())
            {
                return new ValueTask<RouteLookup>(new RouteLookup(slot.Entry, RouteLookupSource.Cache, slot));
            }
        }
        else if (_negative.TryGet(host, out var freshUntil, out var storedAt))
        {
            slot = new CacheSlot<RouteEntry>(null, freshUntil, storedAt); // short-lived: the table holds only numbers
            if (freshUntil > _time.GetMonotonicMs())
            {
                return new ValueTask<RouteLookup>(new RouteLookup(null, RouteLookupSource.Cache, slot));
            }
        }

        if (budgeted && slot?.Entry is null && Budget.TryTake(client) != BudgetScope.None)
        {
            return new ValueTask<RouteLookup>(new RouteLookup(null, RouteLookupSource.OverBudget, slot ?? _overBudget));
        }

        return new ValueTask<RouteLookup>(_singleFlight.RunAsync(host, (this, slot), static (h, s) => s.Item1.LookupAsync(h, s.Item2)));
    }

    /// <summary>The cached answer without touching Redis or the entry's recency, for introspection.</summary>
    public CacheSlot<RouteEntry>? Peek(string host) =>
        _cache.TryGetValue(host, out CacheSlot<RouteEntry>? slot) ? slot
        : _negative.TryGet(host, out var freshUntil, out var storedAt) ? new CacheSlot<RouteEntry>(null, freshUntil, storedAt)
        : null;

    /// <summary>Applies an invalidation: the affected answers are re-read from Redis on their next request.</summary>
    public void Invalidate(RouteChange change)
    {
        // The index learns a new wildcard before answers are dropped, so the lookups that follow probe it.
        _known?.Observe(change.Kind == RouteChangeKind.Route ? change.RouteName : null);

        // Bumped first: a lookup in flight across this call stores its answer as already stale.
        Interlocked.Increment(ref _generation);
        if (change.Kind != RouteChangeKind.Route || change.RouteName == HostName.CatchAll)
        {
            MarkStaleWhere(static (_, _) => true, string.Empty);
            return;
        }

        var name = RoutePath.HostOf(change.RouteName!); // a path route's change reaches its host's entry, which holds every path
        if (name == HostName.CatchAll)
        {
            MarkStaleWhere(static (_, _) => true, string.Empty);
        }
        else if (HostName.IsWildcard(name))
        {
            MarkStaleWhere(static (host, n) => HostName.Tries(host, n), name);
        }
        else if (_cache.TryGetValue(name, out CacheSlot<RouteEntry>? slot))
        {
            slot!.MarkStale();
        }
        else
        {
            _negative.MarkStale(name);
        }
    }

    private void MarkStaleWhere(Func<string, string, bool> predicate, string name)
    {
        _negative.MarkAllStale(_time.GetMonotonicMs()); // hashes cannot be matched against a wildcard: all of them
        foreach (var key in _cache.Keys)
        {
            if (key is string host && predicate(host, name) && _cache.TryGetValue(host, out CacheSlot<RouteEntry>? slot))
            {
                slot!.MarkStale();
            }
        }
    }

    private async Task<RouteLookup> LookupAsync(string host, CacheSlot<RouteEntry>? previous)
    {
        var generation = Interlocked.Read(ref _generation);
        var askedAt = _time.GetMonotonicMs(); // registration expiry counts from here: an answer's age only shortens it
        RouteRecord? record;
        try
        {
            record = await _lookups.RunAsync(_store.IsConnected, host, _store, static (store, name) => store.ResolveAsync(name)).ConfigureAwait(false);
        }
        catch (RouteStoreUnavailableException ex) when (previous is not null && WithinStaleLimit(previous))
        {
            _logger.LogDebug("Serving stale route for {Host}: {Reason}", host, ex.Message);
            return new RouteLookup(previous.Entry, RouteLookupSource.Stale, previous);
        }

        var entry = record is null ? null : Build(host, record, askedAt);
        var now = _time.GetMonotonicMs();
        var ttlMs = Interlocked.Read(ref _ttlMs);
        var fresh = Interlocked.Read(ref _generation) == generation ? now + Jittered(ttlMs) : 0;
        var slot = new CacheSlot<RouteEntry>(entry, fresh, now);
        if (entry is null)
        {
            _negative.Set(host, fresh, now);
            _cache.Remove(host); // the route is gone: its last answer must not shadow "not found"
            return new RouteLookup(null, RouteLookupSource.Store, slot);
        }

        _negative.Remove(host);
        _cache.Set(host, slot, new MemoryCacheEntryOptions
        {
            Size = 1,
            // Memory only (the limits that count are WithinStaleLimit's): answers outlive their TTL to be served while
            // Redis is down.
            AbsoluteExpirationRelativeToNow = _maxStale,
        });
        return new RouteLookup(entry, RouteLookupSource.Store, slot);
    }

    /// <summary>A last known answer may stand in for Redis up to <c>MaxStale</c> after it was read; "not found" for one TTL.</summary>
    private bool WithinStaleLimit(CacheSlot<RouteEntry> previous) =>
        _time.GetMonotonicMs() - previous.StoredAtMs <= (previous.Entry is null ? Interlocked.Read(ref _ttlMs) : _maxStaleMs);

    /// <summary>Up to 10% less than the TTL, so hosts cached together do not all expire together.</summary>
    private static long Jittered(long ttlMs) => ttlMs - Random.Shared.NextInt64(ttlMs / 10 + 1);

    private RouteEntry Build(string host, RouteRecord record, long askedAtMs)
    {
        if (record.Problems.Count > 0 && _dataWarnings.ShouldWarn(record.RouteName, _time.GetMonotonicMs()))
        {
            _logger.LogWarning("Route {Route} has data the router ignores: {Problems}", record.RouteName, string.Join("; ", record.Problems));
        }

        RouteEntry[]? paths = null;
        if (record.Paths.Count > 0)
        {
            paths = new RouteEntry[record.Paths.Count];
            for (var i = 0; i < paths.Length; i++)
            {
                paths[i] = Build(host, record.Paths[i], askedAtMs);
            }
        }

        var backends = new List<BackendState>(record.Backends.Count);
        var indexes = new List<int>(record.Backends.Count);
        var deadUntil = new List<long>(record.Backends.Count);
        var expiresAt = record.ExpiresInMs.Count > 0 ? new List<long>(record.Backends.Count) : null;
        for (var i = 0; i < record.Backends.Count; i++)
        {
            var url = record.Backends[i];
            if (!BackendState.IsValidUrl(url))
            {
                _logger.LogWarning("Route {Route} has an invalid backend URL {Url}; skipped", record.RouteName, url);
                continue;
            }

            backends.Add(_backends.Get(url, record.Weights.Count > 0 ? record.Weights[i] : 1));
            indexes.Add(i);
            var until = 0L;
            foreach (var mark in record.Dead)
            {
                if (mark.Index == i)
                {
                    until = mark.ExpiresAtUnixMs;
                }
            }

            deadUntil.Add(until);
            if (expiresAt is not null)
            {
                var left = record.ExpiresInMs[i];
                expiresAt.Add(left == long.MaxValue ? long.MaxValue : askedAtMs + left);
            }
        }

        var entry = new RouteEntry(record, [.. backends], [.. indexes], [.. deadUntil], _policies.Get(record.LoadBalancing, host),
            expiresAt is null ? null : [.. expiresAt], _time, paths);
        if (entry.Tls.Problem is { } problem)
        {
            _logger.LogWarning("Route {Route} has unusable HTTPS settings: {Problem}", record.RouteName, problem);
        }

        // Once per cache fill, so once per host per TTL at most, however many requests it answers.
        if (entry.Forwarding.Problem is { } forwarding)
        {
            _logger.LogWarning("Route {Route} has bad forwarding settings: {Problem}", record.RouteName, forwarding);
        }

        if (record.Problem is { } bad)
        {
            _logger.LogWarning("Route {Route} has unusable data in Redis; requests get 502 bad-route: {Problem}", record.RouteName, bad);
        }

        if (entry.Sticky.Problem is { } stickyProblem)
        {
            _logger.LogWarning("Route {Route}: {Problem}", record.RouteName, stickyProblem);
        }

        return entry;
    }

    public void Dispose()
    {
        _cache.Dispose();
        _lookups.Dispose();
    }
}
