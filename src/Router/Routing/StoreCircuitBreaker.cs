namespace Entrance.Router.Routing;

/// <summary>
/// Stops cache misses from each waiting out a Redis timeout during an outage: after <c>threshold</c> failures in a
/// row it opens for <c>breakDuration</c>, then lets one probe through; a success closes it.
/// </summary>
public sealed class StoreCircuitBreaker
{
    private readonly int _threshold;
    private readonly long _breakMs;
    private readonly TimeProvider _time;
    private int _failures;
    private long _openUntilMs;
    private int _probing;

    public StoreCircuitBreaker(int threshold, TimeSpan breakDuration, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(breakDuration, TimeSpan.Zero);
        _threshold = threshold;
        _breakMs = (long)breakDuration.TotalMilliseconds;
        _time = time;
    }

    public bool IsOpen => Volatile.Read(ref _failures) >= _threshold;

    /// <summary>Whether a Redis call may be made now; false means fail fast.</summary>
    public bool TryEnter()
    {
        if (Volatile.Read(ref _failures) < _threshold)
        {
            return true;
        }

        // Open: wait out the break, then exactly one caller probes.
        return _time.GetMonotonicMs() >= Volatile.Read(ref _openUntilMs) && Interlocked.CompareExchange(ref _probing, 1, 0) == 0;
    }

    public void Success()
    {
        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _probing, 0);
    }

    /// <summary>The caller entered but made no call: give the probe slot back without judging Redis.</summary>
    public void Abandon() => Volatile.Write(ref _probing, 0);

    public void Failure()
    {
        if (Interlocked.Increment(ref _failures) >= _threshold)
        {
            Volatile.Write(ref _openUntilMs, _time.GetMonotonicMs() + _breakMs);
        }

        Volatile.Write(ref _probing, 0);
    }
}
