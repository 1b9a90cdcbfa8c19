namespace Entrance.Router.Routing;

/// <summary>Milliseconds on the injected clock's monotonic time, the unit the cache, the breaker and the registry keep their deadlines in.</summary>
public static class MonotonicClock
{
    /// <summary>
    /// Now, in monotonic ms of <paramref name="time"/>: never jumps with the wall clock, and a fake clock moves it in
    /// tests. Only differences between two readings of the same provider mean anything.
    /// </summary>
    public static long GetMonotonicMs(this TimeProvider time) =>
        // The system clock takes the cheap coarse tick count (a cache hit reads it on every request); any other
        // provider its timestamp, through double since timestamp * 1000 overflows a long after ~100 days at 1 GHz.
        ReferenceEquals(time, TimeProvider.System)
            ? Environment.TickCount64
            : (long)(time.GetTimestamp() * (1000.0 / time.TimestampFrequency));
}
