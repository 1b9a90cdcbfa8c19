using System.Collections.Concurrent;

namespace Entrance.Router.Metrics;

/// <summary>
/// The children of a labelled metric for an open set of label values, each resolved once: a series appears with its
/// first event, and later events cost a dictionary lookup instead of prometheus-net's label resolution.
/// </summary>
internal sealed class LabelledChildren<TKey, TChild>(Func<TKey, TChild> create)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TChild> _children = new();

    public TChild Get(TKey key) => _children.TryGetValue(key, out var child) ? child : _children.GetOrAdd(key, create);
}
