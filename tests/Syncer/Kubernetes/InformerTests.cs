using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Kubernetes;

/// <summary>The watch loop on the library's list/watch calls, against the test API server.</summary>
public class InformerTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private readonly CancellationTokenSource _stop = new();
    private TestApiServer _api = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _api = await TestApiServer.StartAsync();
        _client = new k8s.Kubernetes(KubeConfig.Resolve(TestKubeconfig.Write(_api.Url)).Client);
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _client.Dispose();
        await _api.DisposeAsync();
    }

    private Informer<V1Service, V1ServiceList> Start(string? ns = null)
    {
        var informer = new Informer<V1Service, V1ServiceList>(KubeKinds.Services(_client, ns), NullLogger.Instance)
        {
            Backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)),
        };
        _ = Task.Run(() => informer.RunAsync(_stop.Token));
        return informer;
    }

    [Fact]
    public async Task RunAsync_ListThenWatch_CacheFollowsAddsUpdatesDeletes()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "a", "a.example.com"));
        var informer = Start();
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced && informer.Count == 1), Within, "listed");

        _api.Upsert(ApiKind.Services, Service("shop", "b", "b.example.com"));
        _api.Upsert(ApiKind.Services, Service("shop", "a", "a2.example.com"));
        _api.Delete(ApiKind.Services, "shop", "b");
        _api.Upsert(ApiKind.Services, Service("blog", "c", null));

        await Eventually.TrueAsync(() => Task.FromResult(informer.Count == 2 && informer.Items.Any(s => s.Metadata.Annotations?["entrance.io/hosts"] == "a2.example.com")),
            Within, "cache follows the watch");
        Assert.Equal(1, informer.Stats.Lists);
        Assert.Equal(_api.ResourceVersion.ToString(), informer.ResourceVersion);
        Assert.Contains(_api.Requests, r => r.StartsWith("GET /api/v1/services?", StringComparison.Ordinal) && r.Contains("watch=true") && r.Contains("allowWatchBookmarks=true"));
    }

    [Fact]
    public async Task RunAsync_QuietWatch_BookmarksAdvanceResourceVersion()
    {
        _api.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        var informer = Start("shop");
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced), Within, "listed");
        var listed = informer.ResourceVersion;

        // Changes elsewhere move the global resourceVersion; the bookmark carries it to this quiet watch.
        _api.Upsert(ApiKind.Services, Service("other", "x", null));

        await Eventually.TrueAsync(() => Task.FromResult(informer.ResourceVersion != listed), Within, "a bookmark moved the resourceVersion");
        Assert.Equal(0, informer.Count);
    }

    [Fact]
    public async Task RunAsync_StreamCut_ResumesFromLastResourceVersionWithoutRelist()
    {
        var informer = Start();
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced && _api.ActiveWatches == 1), Within, "watching");
        _api.Upsert(ApiKind.Services, Service("shop", "a", "a.example.com"));
        await Eventually.TrueAsync(() => Task.FromResult(informer.Count == 1), Within, "event seen");
        var seen = informer.ResourceVersion;

        _api.CutWatches();
        _api.Upsert(ApiKind.Services, Service("shop", "b", "b.example.com"));

        await Eventually.TrueAsync(() => Task.FromResult(informer.Count == 2), Within, "change made while the stream was down");
        Assert.Equal(1, informer.Stats.Lists);
        // The second watch resumed from what the first one saw (the event, or a later bookmark), not from the list.
        var resumedFrom = _api.Requests.Where(r => r.Contains("watch=true")).Select(r => long.Parse(System.Web.HttpUtility.ParseQueryString(r[r.IndexOf('?')..])["resourceVersion"]!)).ToList();
        Assert.True(resumedFrom.Count >= 2 && resumedFrom[^1] >= long.Parse(seen!), $"watches from {string.Join(", ", resumedFrom)}; the event was at {seen}");
    }

    [Fact]
    public async Task RunAsync_ResumeVersionCompacted_RelistsOn410AndLosesNothing()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "old", "old.example.com"));
        var informer = Start();
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced && informer.Count == 1 && _api.ActiveWatches == 1), Within, "watching");

        // Changes no watch delivers, then history compacted and the stream cut: only a re-list can see them.
        _api.SuppressWatchEvents = true;
        _api.Delete(ApiKind.Services, "shop", "old");
        _api.Upsert(ApiKind.Services, Service("shop", "new", "new.example.com"));
        _api.Compact();
        _api.SuppressWatchEvents = false;
        _api.CutWatches();

        await Eventually.TrueAsync(() => Task.FromResult(informer.Count == 1 && informer.Items.Single().Metadata.Name == "new"), Within, "re-listed");
        Assert.True(informer.Stats.Expired >= 1);
        Assert.Equal(2, informer.Stats.Lists);
    }

    [Fact]
    public async Task RunAsync_WatchesClosedAtOnce_BacksOffInsteadOfSpinning()
    {
        _api.CloseWatchesAtOnce = true;
        var informer = Start();
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced), Within, "listed");

        await Task.Delay(2000);

        // With backoff from 100 ms doubling to 1 s, two seconds allow a handful of watches, not thousands.
        Assert.InRange(informer.Stats.Watches, 1, 15);
    }

    [Fact]
    public async Task RunAsync_ServerErrors_RetriesWithBackoffThenSyncs()
    {
        var failures = 0;
        _api.Fail = _ => Interlocked.Increment(ref failures) <= 3;
        _api.Upsert(ApiKind.Services, Service("shop", "a", "a.example.com"));

        var informer = Start();

        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced && informer.Count == 1), Within, "listed after the errors");
        Assert.Equal(3, informer.Stats.Errors);
    }
}
