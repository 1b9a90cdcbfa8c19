using System.Collections.Concurrent;

namespace Entrance.Router.Routing;

/// <summary>
/// Backend states by URL. A cache refresh reuses the same state objects, so in-flight counts survive it;
/// states idle for <see cref="IdleLimit"/> are swept, since backends come and go all the time.
/// </summary>
public sealed class BackendRegistry : IDisposable
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, BackendState> _states = new(StringComparer.Ordinal);
    private readonly Timer _sweep;

    public BackendRegistry()
    {
        _sweep = new Timer(_ => Sweep(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public int Count => _states.Count;

    public BackendState Get(string url) => _states.GetOrAdd(url, static u => new BackendState(u));

    public bool TryGet(string url, out BackendState? state) => _states.TryGetValue(url, out state);

    internal void Sweep()
    {
        var cutoff = Environment.TickCount64 - (long)IdleLimit.TotalMilliseconds;
        foreach (var (url, state) in _states)
        {
            if (state.InFlight == 0 && state.LastUsedMs < cutoff)
            {
                _states.TryRemove(new KeyValuePair<string, BackendState>(url, state));
            }
        }
    }

    public void Dispose() => _sweep.Dispose();
}
