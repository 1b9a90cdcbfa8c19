using System.Collections.Concurrent;

namespace Entrance.Router.Routing;

/// <summary>
/// Backend states by URL. A cache refresh reuses the same state objects, so in-flight counts survive it;
/// states idle for <see cref="IdleLimit"/> are swept, since backends come and go all the time.
/// </summary>
public sealed class BackendRegistry : IDisposable
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string Url, int Weight), BackendState> _states = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;

    public BackendRegistry(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _sweep = _time.CreateTimer(static s => ((BackendRegistry)s!).Sweep(), this, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public BackendState Get(string url) => Get(url, 1);

    /// <summary>The state of a URL at a weight (see <see cref="BackendState"/>: one per URL and weight).</summary>
    public BackendState Get(string url, int weight) =>
        _states.GetOrAdd((url, weight), static (k, time) => new BackendState(k.Url, time, k.Weight), _time);

    internal void Sweep()
    {
        var cutoff = _time.GetMonotonicMs() - (long)IdleLimit.TotalMilliseconds;
        foreach (var (key, state) in _states)
        {
            if (state.InFlight == 0 && state.LastUsedMs < cutoff)
            {
                _states.TryRemove(new KeyValuePair<(string, int), BackendState>(key, state));
            }
        }
    }

    public void Dispose() => _sweep.Dispose();
}
