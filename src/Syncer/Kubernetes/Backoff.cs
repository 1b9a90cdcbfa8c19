namespace Entrance.Syncer.Kubernetes;

/// <summary>Exponential backoff with full jitter in [d/2, d], so replicas that failed together do not retry together.</summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    public TimeSpan Next()
    {
        var exp = Math.Min(initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 20)), max.TotalMilliseconds);
        _failures++;
        return TimeSpan.FromMilliseconds(exp / 2 + Random.Shared.NextDouble() * exp / 2);
    }

    public void Reset() => _failures = 0;
}
