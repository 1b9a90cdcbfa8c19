using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Kubernetes;

/// <summary>Counters an informer keeps for /metrics and the tests.</summary>
public sealed class InformerStats
{
    public long Lists;
    public long Watches;
    public long Events;
    public long Expired;
    public long Errors;
}

/// <summary>
/// A local cache of one kind in one scope, kept current the client-go way on the library's list and watch calls (the
/// library has no shared informer): LIST, then WATCH from the list's resourceVersion with bookmarks; a closed or
/// broken stream resumes from the last version seen; 410 Gone (an HTTP status or an ERROR event) re-lists and
/// replaces the cache, so nothing is lost; other errors back off with jitter.
/// </summary>
public sealed class Informer<T, TList>(KubeKind<T, TList> kind, ILogger logger)
    where T : IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>
{
    private readonly ConcurrentDictionary<string, T> _store = new(StringComparer.Ordinal);
    private volatile bool _synced;

    /// <summary>Called after every change of the cache (and after each re-list), from the informer's loop.</summary>
    public Action? Changed { get; set; }

    public bool HasSynced => _synced;
    public int Count => _store.Count;
    public InformerStats Stats { get; } = new();
    public ICollection<T> Items => _store.Values;

    /// <summary>The last resourceVersion seen (list, event or bookmark).</summary>
    public string? ResourceVersion { get; private set; }

    public Backoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>Server-side watch timeout; randomised up to twice (as client-go does) so watches do not all end together.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public async Task RunAsync(CancellationToken ct)
    {
        // Resume from ResourceVersion, the last version seen, even when a stream broke mid-way; null: list first.
        string? rv = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                rv ??= await ListAsync(ct).ConfigureAwait(false);
                var started = DateTime.UtcNow;
                var events = await WatchAsync(rv, ct).ConfigureAwait(false);
                rv = ResourceVersion;
                if (events == 0 && DateTime.UtcNow - started < TimeSpan.FromSeconds(1))
                {
                    // A watch that ends at once with nothing in it (a proxy closing streams, say): do not spin.
                    await Task.Delay(Backoff.Next(), ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsGone(e))
            {
                Interlocked.Increment(ref Stats.Expired);
                logger.LogInformation("{Kind} watch at resourceVersion {Rv} expired (410); re-listing", kind.Name, rv);
                rv = null;
            }
            catch (Exception e)
            {
                rv = rv is null ? null : ResourceVersion;
                Interlocked.Increment(ref Stats.Errors);
                var delay = Backoff.Next();
                logger.LogWarning("{Kind} {Phase} failed ({Error}); retrying in {Delay} ms from resourceVersion {Rv}",
                    kind.Name, rv is null ? "list" : "watch", Describe(e), (int)delay.TotalMilliseconds, rv ?? "(re-list)");
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken ct)
    {
        var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
        string? cont = null;
        string? rv;
        do
        {
            var page = await kind.ListPage(cont, ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                fresh[item.Key()] = item;
            }

            rv = page.Metadata?.ResourceVersion;
            cont = string.IsNullOrEmpty(page.Metadata?.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (cont is not null);

        Interlocked.Increment(ref Stats.Lists);
        foreach (var key in _store.Keys.Where(k => !fresh.ContainsKey(k)))
        {
            _store.TryRemove(key, out _);
        }

        foreach (var (key, item) in fresh)
        {
            _store[key] = item;
        }

        ResourceVersion = rv ?? throw new InvalidOperationException($"{kind.Name} list has no resourceVersion");
        _synced = true;
        logger.LogDebug("{Kind} listed: {Count} objects at resourceVersion {Rv}", kind.Name, fresh.Count, rv);
        Changed?.Invoke();
        return rv;
    }

    /// <summary>Watches until the stream ends, moving <see cref="ResourceVersion"/>; returns how many events (bookmarks too) came.</summary>
    private async Task<int> WatchAsync(string rv, CancellationToken ct)
    {
        Interlocked.Increment(ref Stats.Watches);
        var received = 0;
        Exception? streamError = null;
        var timeout = (int)(WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        // The library hands an ERROR event (a Status, e.g. 410 Expired) or an undecodable line to onError and reads on;
        // the apiserver closes the stream after an ERROR, so the first one is rethrown when the stream ends.
        var events = kind.Watch(rv, timeout, e => streamError ??= e, ct);
        await foreach (var (type, obj) in events.ConfigureAwait(false))
        {
            received++;
            Backoff.Reset();
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    _store[obj.Key()] = obj;
                    break;
                case WatchEventType.Deleted:
                    _store.TryRemove(obj.Key(), out _);
                    break;
                case WatchEventType.Bookmark:
                    // Only the resourceVersion matters: resuming from it avoids a 410 after a quiet period.
                    break;
                default:
                    continue;
            }

            if (obj?.Metadata?.ResourceVersion is { Length: > 0 } next)
            {
                ResourceVersion = next;
            }

            if (type != WatchEventType.Bookmark)
            {
                Interlocked.Increment(ref Stats.Events);
                Changed?.Invoke();
            }
        }

        return streamError is null ? received : throw streamError;
    }

    private static bool IsGone(Exception e) => e switch
    {
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        KubernetesException k => k.Status?.Code == 410,
        _ => false,
    };

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException h => $"{(int?)h.Response?.StatusCode} {h.Response?.Content}".Trim(),
        KubernetesException k => $"{k.Status?.Code} {k.Status?.Reason} {k.Status?.Message}",
        _ => e.Message,
    };
}
