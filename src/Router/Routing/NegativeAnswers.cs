using System.Security.Cryptography;

namespace Entrance.Router.Routing;

/// <summary>
/// The cache's "no such host" answers, kept apart from the routes: a fixed table of 24 bytes per slot keyed by a 64-bit
/// hash of the host (seeded per process), so a flood of unknown hosts costs a fixed few MB instead of a cache entry,
/// a key string and a slot object each (about 1 KB of RSS per host, measured). Lossy on purpose: a host whose slot is
/// taken by another is simply looked up again (within the miss budget).
/// </summary>
/// <remarks>
/// Two candidate slots per host (its own and the next); a new answer takes an empty or the older one. Wildcard, catch-all
/// and "everything" changes mark every answer stale in O(1) (<see cref="MarkAllStale"/>): answers stored before that
/// instant are stale. A 64-bit fingerprint makes a false match (a host answered "not found" for one TTL because another
/// host shares the hash) about 1 in 10^14 per lookup with the table full.
/// </remarks>
public sealed class NegativeAnswers
{
    private const int Stripes = 64;

    private readonly long[] _keys;
    private readonly long[] _freshUntil;
    private readonly long[] _storedAt;
    private readonly Lock[] _locks;
    private readonly ulong _seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private long _staleBefore = long.MinValue;
    private int _count;

    public NegativeAnswers(int capacity)
    {
        capacity = Math.Max(2, capacity);
        _keys = new long[capacity];
        _freshUntil = new long[capacity];
        _storedAt = new long[capacity];
        _locks = new Lock[Stripes];
        for (var i = 0; i < Stripes; i++)
        {
            _locks[i] = new Lock();
        }
    }

    /// <summary>Slots holding an answer (fresh or not).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The answer kept for <paramref name="host"/>: until when it is fresh (0: stale) and when Redis gave it.</summary>
    public bool TryGet(string host, out long freshUntilMs, out long storedAtMs)
    {
        var key = Key(host);
        var first = Index(key);
        foreach (var i in (ReadOnlySpan<int>)[first, Next(first)])
        {
            lock (_locks[i % Stripes])
            {
                if (_keys[i] == key)
                {
                    storedAtMs = _storedAt[i];
                    freshUntilMs = storedAtMs < Volatile.Read(ref _staleBefore) ? 0 : _freshUntil[i];
                    return true;
                }
            }
        }

        freshUntilMs = storedAtMs = 0;
        return false;
    }

    public void Set(string host, long freshUntilMs, long storedAtMs)
    {
        var key = Key(host);
        var first = Index(key);
        var second = Next(first);
        // Same stripe for both slots of a host would be simpler, but adjacent slots fall in adjacent stripes: take both in order.
        var (a, b) = (first % Stripes, second % Stripes);
        lock (_locks[Math.Min(a, b)])
        {
            lock (_locks[Math.Max(a, b)])
            {
                var slot = _keys[first] == key || _keys[first] == 0 ? first
                    : _keys[second] == key || _keys[second] == 0 ? second
                    : _storedAt[first] <= _storedAt[second] ? first : second;
                if (_keys[slot] == 0)
                {
                    Interlocked.Increment(ref _count);
                }

                _keys[slot] = key;
                _freshUntil[slot] = freshUntilMs;
                _storedAt[slot] = storedAtMs;
            }
        }
    }

    /// <summary>Forgets <paramref name="host"/>'s answer (it has a route now).</summary>
    public void Remove(string host) => Update(host, remove: true);

    /// <summary>The answer for <paramref name="host"/> is re-read on its next request.</summary>
    public void MarkStale(string host) => Update(host, remove: false);

    /// <summary>Every answer stored until now is re-read on its next request.</summary>
    public void MarkAllStale(long nowMs)
    {
        long current;
        while ((current = Volatile.Read(ref _staleBefore)) <= nowMs
               && Interlocked.CompareExchange(ref _staleBefore, nowMs + 1, current) != current)
        {
        }
    }

    private void Update(string host, bool remove)
    {
        var key = Key(host);
        var first = Index(key);
        foreach (var i in (ReadOnlySpan<int>)[first, Next(first)])
        {
            lock (_locks[i % Stripes])
            {
                if (_keys[i] != key)
                {
                    continue;
                }

                _freshUntil[i] = 0;
                if (remove)
                {
                    _keys[i] = 0;
                    _storedAt[i] = 0;
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }

    private int Index(long key) => (int)((ulong)key % (ulong)_keys.Length);

    private int Next(int index) => index + 1 == _keys.Length ? 0 : index + 1;

    /// <summary>A nonzero 64-bit hash: the runtime's randomised string hash (upper half) and a seeded FNV-1a (lower half).</summary>
    private long Key(string host)
    {
        var fnv = 14695981039346656037UL ^ _seed;
        foreach (var c in host)
        {
            fnv = (fnv ^ c) * 1099511628211UL;
        }

        var key = ((long)host.GetHashCode() << 32) | (long)(uint)(fnv ^ (fnv >> 32));
        return key == 0 ? 1 : key;
    }
}
