using System.Collections.Concurrent;
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
/// A local cache of one kind in one scope (a namespace, or all), kept current the client-go way: LIST, then WATCH from
/// the list's resourceVersion with bookmarks; a closed or broken stream resumes from the last version seen; 410 Gone
/// (or an ERROR event with Expired) re-lists and replaces the cache, so nothing is lost; errors back off with jitter.
/// </summary>
public sealed class Informer<T>(KubeClient client, KubeResource<T> resource, string? ns, ILogger logger) where T : KubeObject
{
    private readonly ConcurrentDictionary<string, T> _store = new(StringComparer.Ordinal);
    private volatile bool _synced;

    /// <summary>Called after every change of the cache (and after each re-list), from the informer's loop.</summary>
    public Action? Changed { get; set; }

    public KubeResource<T> Resource => resource;
    public string? Namespace => ns;
    public bool HasSynced => _synced;
    public int Count => _store.Count;
    public InformerStats Stats { get; } = new();

    /// <summary>The last resourceVersion seen (list, event or bookmark).</summary>
    public string? ResourceVersion { get; private set; }

    public Backoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>Server-side watch timeout; randomised a little (as client-go does) so watches do not all end together.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public ICollection<T> Items => _store.Values;

    public async Task RunAsync(CancellationToken ct)
    {
        string? rv = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (rv is null)
                {
                    rv = await ListAsync(ct).ConfigureAwait(false);
                }

                var started = DateTime.UtcNow;
                var (next, events) = await WatchAsync(rv, ct).ConfigureAwait(false);
                rv = next;
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
            catch (KubeApiException e) when (e.IsGone)
            {
                Interlocked.Increment(ref Stats.Expired);
                logger.LogInformation("{Kind} watch at resourceVersion {Rv} expired (410 {Reason}); re-listing", resource.Name, rv, e.Reason);
                rv = null;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref Stats.Errors);
                var delay = Backoff.Next();
                logger.LogWarning("{Kind} {Phase} failed ({Error}); retrying in {Delay} ms from resourceVersion {Rv}",
                    resource.Name, rv is null ? "list" : "watch", e.Message, (int)delay.TotalMilliseconds, rv ?? "(re-list)");
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
        var list = await client.ListAsync(resource, ns, ct).ConfigureAwait(false);
        Interlocked.Increment(ref Stats.Lists);
        var fresh = list.Items.ToDictionary(i => i.Key, StringComparer.Ordinal);
        foreach (var key in _store.Keys)
        {
            if (!fresh.ContainsKey(key))
            {
                _store.TryRemove(key, out _);
            }
        }

        foreach (var (key, item) in fresh)
        {
            _store[key] = item;
        }

        var rv = list.Metadata.ResourceVersion ?? throw new KubeApiException(500, null, $"{resource.Name} list has no resourceVersion");
        ResourceVersion = rv;
        _synced = true;
        logger.LogDebug("{Kind} listed: {Count} objects at resourceVersion {Rv}", resource.Name, fresh.Count, rv);
        Changed?.Invoke();
        return rv;
    }

    /// <summary>Watches until the stream ends; returns the version to resume from and how many events (bookmarks too) came.</summary>
    private async Task<(string Rv, int Events)> WatchAsync(string rv, CancellationToken ct)
    {
        Interlocked.Increment(ref Stats.Watches);
        var received = 0;
        var timeout = WatchTimeout * (1 + Random.Shared.NextDouble());
        await foreach (var ev in client.WatchAsync(resource, ns, rv, timeout, ct).ConfigureAwait(false))
        {
            received++;
            Backoff.Reset();
            if (ev.Error is { } status)
            {
                throw new KubeApiException(status.Code, status.Reason, $"{resource.Name} watch error: {status.Code} {status.Reason} {status.Message}");
            }

            if (ev.Object is not { } obj)
            {
                continue;
            }

            switch (ev.Type)
            {
                case "ADDED":
                case "MODIFIED":
                    _store[obj.Key] = obj;
                    break;
                case "DELETED":
                    _store.TryRemove(obj.Key, out _);
                    break;
                case "BOOKMARK":
                    // Only the resourceVersion matters: resuming from it avoids a 410 after a quiet period.
                    break;
                default:
                    logger.LogWarning("{Kind} watch: unknown event type {Type}", resource.Name, ev.Type);
                    continue;
            }

            if (ev.ResourceVersion is { Length: > 0 } next)
            {
                rv = next;
                ResourceVersion = rv;
            }

            if (ev.Type != "BOOKMARK")
            {
                Interlocked.Increment(ref Stats.Events);
                Changed?.Invoke();
            }
        }

        return (rv, received);
    }
}
