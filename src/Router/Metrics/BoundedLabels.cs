using System.Collections.Concurrent;

namespace Entrance.Router.Metrics;

/// <summary>Label values for the first <c>limit</c> distinct names; every later name shares <c>other</c>, so series stay bounded.</summary>
public sealed class BoundedLabels(int limit)
{
    public const string Other = "other";

    private readonly ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);

    public string Get(string name)
    {
        if (_known.TryGetValue(name, out var label))
        {
            return label;
        }

        // The count check races with other adders; the overshoot is at most one per concurrent caller.
        return _known.Count < limit ? _known.GetOrAdd(name, name) : Other;
    }
}
