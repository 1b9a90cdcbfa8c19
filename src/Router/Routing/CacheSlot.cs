namespace Entrance.Router.Routing;

/// <summary>
/// One cached answer (a host's route, a server name's certificate; null for "none"). Invalidation marks it stale
/// instead of removing it, so it can still be served while Redis is down. Times are
/// <see cref="MonotonicClock.GetMonotonicMs"/> of the cache's clock.
/// </summary>
public sealed class CacheSlot<TEntry>(TEntry? entry, long freshUntilMs, long storedAtMs)
    where TEntry : class
{
    private long _freshUntilMs = freshUntilMs;

    public TEntry? Entry { get; } = entry;

    /// <summary>Until when the answer is served without asking Redis.</summary>
    public long FreshUntilMs => Volatile.Read(ref _freshUntilMs);

    /// <summary>When Redis gave the answer; the stale limit counts from here.</summary>
    public long StoredAtMs { get; } = storedAtMs;

    public void MarkStale() => Volatile.Write(ref _freshUntilMs, 0);

    public void CapFreshness(long untilMs)
    {
        long current;
        while ((current = Volatile.Read(ref _freshUntilMs)) > untilMs
               && Interlocked.CompareExchange(ref _freshUntilMs, untilMs, current) != current)
        {
        }
    }
}
