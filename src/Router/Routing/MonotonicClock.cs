namespace Entrance.Router.Routing;

/// <summary>Milliseconds on the injected clock's monotonic timestamp, the unit the cache and the breaker keep their deadlines in.</summary>
public static class MonotonicClock
{
    /// <summary>Now, in ms of <see cref="TimeProvider.GetTimestamp"/>: never jumps with the wall clock, and a fake clock moves it in tests.</summary>
    public static long GetMonotonicMs(this TimeProvider time) =>
        // Through double: timestamp * 1000 would overflow a long after ~100 days of uptime at 1 GHz frequency.
        (long)(time.GetTimestamp() * (1000.0 / time.TimestampFrequency));
}
