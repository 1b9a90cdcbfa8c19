using System.Collections.Concurrent;
using Entrance.Core.Certificates;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.Routing;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tls;

/// <summary>
/// Server name → certificate, the route cache's twin: size-bounded, single-flight misses behind the circuit breaker and
/// the lookup limiter, "none" answers cached, TTL and stale limit as routes (<c>CacheTtl</c>/<c>NotifiedCacheTtl</c>,
/// <c>MaxStale</c>), invalidations mark answers stale. No answer ever takes longer than <c>RedisTimeout</c>: past it the
/// last known certificate (up to MaxStale) or the default one is served.
/// </summary>
public sealed class CertificateCache : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly SingleFlight<CertificateLookup> _singleFlight = new();
    private readonly GuardedLookups _lookups;
    private readonly CertificateReader _reader;
    private readonly TlsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<CertificateCache> _logger;
    private readonly ConcurrentDictionary<string, long> _warned = new(StringComparer.Ordinal);
    private readonly SharedCertificates _shared;
    private readonly long _pollingTtlMs;
    private readonly long _notifiedTtlMs;
    private readonly long _maxStaleMs;
    private readonly TimeSpan _maxStale;
    private readonly TimeSpan _deadline;
    private readonly long _problemLogMs;
    private long _ttlMs;
    private long _generation;

    public CertificateCache(CertificateReader reader, TlsMetrics metrics, IOptions<EntranceOptions> options, IOptions<TlsOptions> tls,
        TimeProvider time, ILogger<CertificateCache> logger)
    {
        var o = options.Value;
        _reader = reader;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _pollingTtlMs = (long)o.CacheTtl.TotalMilliseconds;
        _notifiedTtlMs = Math.Max(_pollingTtlMs, (long)o.NotifiedCacheTtl.TotalMilliseconds);
        _ttlMs = _pollingTtlMs;
        _maxStale = o.MaxStale;
        _maxStaleMs = (long)o.MaxStale.TotalMilliseconds;
        _deadline = o.RedisTimeout;
        _problemLogMs = (long)tls.Value.ProblemLogInterval.TotalMilliseconds;
        _lookups = GuardedLookups.From(o, time);
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = tls.Value.CacheSizeLimit, CompactionPercentage = 0.10 });
        _shared = new SharedCertificates(tls.Value.CacheSizeLimit);
    }

    public int Count => _cache.Count;

    /// <summary>The certificate for a normalised server name; never throws for Redis trouble, never waits past <c>RedisTimeout</c>.</summary>
    public ValueTask<CertificateLookup> GetAsync(string name)
    {
        if (_cache.TryGetValue(name, out CacheSlot<ServerCertificate>? slot) && slot!.FreshUntilMs > _time.GetMonotonicMs())
        {
            return new ValueTask<CertificateLookup>(new CertificateLookup(slot.Entry, CertificateSource.Cache));
        }

        var run = _singleFlight.RunAsync(name, (this, slot), static (n, s) => s.Item1.LookupAsync(n, s.Item2));
        return run.IsCompleted ? new ValueTask<CertificateLookup>(run) : new ValueTask<CertificateLookup>(WithinDeadlineAsync(run, slot));
    }

    /// <summary>The cached answer without touching Redis, for introspection.</summary>
    public CacheSlot<ServerCertificate>? Peek(string name) => _cache.TryGetValue(name, out CacheSlot<ServerCertificate>? slot) ? slot : null;

    /// <summary>Whether every change is pushed right now: the longer notified TTL applies, else answers are capped to the polling TTL.</summary>
    public void SetChangesPushed(bool pushed)
    {
        var ttl = pushed ? _notifiedTtlMs : _pollingTtlMs;
        if (Interlocked.Exchange(ref _ttlMs, ttl) == ttl || pushed)
        {
            return;
        }

        var cap = _time.GetMonotonicMs() + _pollingTtlMs;
        ForEachSlot(static (_, slot, cap) => slot.CapFreshness(cap), cap);
    }

    /// <summary>A certificate name changed (exact, or <c>*.parent</c> for every one-label name under it), or everything (null).</summary>
    public void Invalidate(string? certificateName)
    {
        Interlocked.Increment(ref _generation);
        if (certificateName is null)
        {
            ForEachSlot(static (_, slot, _) => slot.MarkStale(), 0L);
        }
        else if (certificateName.StartsWith("*.", StringComparison.Ordinal))
        {
            ForEachSlot((name, slot, _) =>
            {
                if (CertificateReader.WildcardOf(name) == certificateName)
                {
                    slot.MarkStale();
                }
            }, 0L);
        }
        else if (_cache.TryGetValue(certificateName, out CacheSlot<ServerCertificate>? slot))
        {
            slot!.MarkStale();
        }
    }

    public long SoonestExpiry()
    {
        var soonest = long.MaxValue;
        ForEachCertificate(c => soonest = Math.Min(soonest, c.NotAfterUnixSeconds));
        return soonest == long.MaxValue ? 0 : soonest;
    }

    public int ExpiringBefore(DateTimeOffset limit)
    {
        var seen = new HashSet<ServerCertificate>(ReferenceEqualityComparer.Instance);
        var count = 0;
        var limitSeconds = limit.ToUnixTimeSeconds();
        ForEachCertificate(c =>
        {
            if (seen.Add(c) && c.NotAfterUnixSeconds < limitSeconds)
            {
                count++;
            }
        });
        return count;
    }

    private void ForEachCertificate(Action<ServerCertificate> action) =>
        ForEachSlot(static (_, slot, act) => { if (slot.Entry is { } c) { act(c); } }, action);

    private void ForEachSlot<T>(Action<string, CacheSlot<ServerCertificate>, T> action, T state)
    {
        foreach (var key in _cache.Keys)
        {
            if (key is string name && _cache.TryGetValue(name, out CacheSlot<ServerCertificate>? slot))
            {
                action(name, slot!, state);
            }
        }
    }

    private async Task<CertificateLookup> WithinDeadlineAsync(Task<CertificateLookup> run, CacheSlot<ServerCertificate>? previous)
    {
        try
        {
            return await run.WaitAsync(_deadline, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Fallback(previous);
        }
    }

    private async Task<CertificateLookup> LookupAsync(string name, CacheSlot<ServerCertificate>? previous)
    {
        var generation = Interlocked.Read(ref _generation);
        StoredCertificate? stored;
        try
        {
            stored = await _lookups.RunAsync(_reader.IsConnected, name, _reader, static (reader, n) => reader.FindAsync(n)).ConfigureAwait(false);
        }
        catch (RouteStoreUnavailableException ex)
        {
            _logger.LogDebug("No certificate lookup for {Name}: {Reason}", name, ex.Message);
            return Fallback(previous);
        }
        catch (Exception ex)
        {
            // Redis answered, but not with a certificate hash (WRONGTYPE, say): as unusable as a bad PEM.
            stored = null;
            Refuse(name, name, "invalid", ex.Message);
        }

        var certificate = stored is null ? null : Build(name, stored);
        var now = _time.GetMonotonicMs();
        var ttlMs = Interlocked.Read(ref _ttlMs);
        var fresh = Interlocked.Read(ref _generation) == generation ? now + ttlMs - Random.Shared.NextInt64(ttlMs / 10 + 1) : 0;
        _cache.Set(name, new CacheSlot<ServerCertificate>(certificate, fresh, now), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = certificate is null ? TimeSpan.FromMilliseconds(Math.Max(ttlMs, 1)) : _maxStale,
            Priority = certificate is null ? CacheItemPriority.Low : CacheItemPriority.Normal,
        });
        return new CertificateLookup(certificate, certificate is null ? CertificateSource.Default : CertificateSource.Redis);
    }

    /// <summary>Redis cannot answer in time: the last known certificate up to MaxStale, else the default at once.</summary>
    private CertificateLookup Fallback(CacheSlot<ServerCertificate>? previous) =>
        previous?.Entry is { } last && _time.GetMonotonicMs() - previous.StoredAtMs <= _maxStaleMs
            ? new CertificateLookup(last, CertificateSource.Stale)
            : new CertificateLookup(null, CertificateSource.Default);

    /// <summary>
    /// The stored certificate ready for handshakes: the one already built from the same PEM when there is one (a wildcard
    /// fills a slot per server name), else parsed and built now. An unusable certificate is a warning (once per name per
    /// interval), a metric, and "none".
    /// </summary>
    private ServerCertificate? Build(string serverName, StoredCertificate stored)
    {
        var now = _time.GetUtcNow();
        if (_shared.Find(stored, out var fingerprint) is { } built)
        {
            if (now < built.Info.NotAfter)
            {
                return built;
            }

            _shared.Remove(stored.Name);
            return Refuse(serverName, stored.Name, "expired", $"valid only from {built.Info.NotBefore:u} to {built.Info.NotAfter:u}");
        }

        LoadedCertificate loaded;
        try
        {
            loaded = CertificatePem.Load(stored.Chain, stored.Key);
        }
        catch (CertificateProblemException ex)
        {
            return Refuse(serverName, stored.Name, "invalid", ex.Message);
        }

        if (loaded.IsExpired(now))
        {
            loaded.Dispose();
            return Refuse(serverName, stored.Name, "expired", $"valid only from {loaded.Info.NotBefore:u} to {loaded.Info.NotAfter:u}");
        }

        if (!loaded.Covers(stored.Name))
        {
            loaded.Dispose();
            return Refuse(serverName, stored.Name, "not_covering", $"its names ({string.Join(", ", loaded.Info.DnsNames)}) do not cover {stored.Name}");
        }

        if (ServerCertificate.TryCreate(stored.Name, loaded, out var problem) is not { } certificate)
        {
            return Refuse(serverName, stored.Name, "invalid", problem!);
        }

        _metrics.Built();
        _shared.Add(certificate, fingerprint);
        return certificate;
    }

    /// <summary>A cached certificate passed its not-after: counted and warned about as an expired one read from Redis, and its answers dropped.</summary>
    public void ExpiredWhileCached(ServerCertificate certificate)
    {
        Refuse(certificate.Name, certificate.Name, "expired", $"expired at {certificate.Info.NotAfter:u} while cached");
        Invalidate(certificate.Name);
    }

    private ServerCertificate? Refuse(string serverName, string storedName, string reason, string detail)
    {
        _metrics.Problem(reason);
        var now = _time.GetMonotonicMs();
        if (_warned.Count > 10_000)
        {
            _warned.Clear(); // bounded: a flood of bad names only makes the warnings more frequent
        }

        var last = _warned.GetOrAdd(storedName, long.MinValue);
        if (last == long.MinValue || now - last >= _problemLogMs)
        {
            _warned[storedName] = now;
            _logger.LogWarning("Certificate {Name} in Redis cannot be served ({Reason}: {Detail}); handshakes for {ServerName} get the default certificate",
                storedName, reason, detail, serverName);
        }

        return null;
    }

    public void Dispose()
    {
        _cache.Dispose();
        _lookups.Dispose();
    }
}
