using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Kubernetes;

public class InformerTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private TestApiServer _api = null!;
    private KubeClient _client = null!;
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync()
    {
        _api = await TestApiServer.StartAsync();
        _client = new KubeClient(KubeCredentials.FromKubeconfig(TestKubeconfig.Write(_api.Url)));
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _client.Dispose();
        await _api.DisposeAsync();
    }

    private (Informer<Service> Informer, Task Run) Start(string? ns = null)
    {
        var informer = new Informer<Service>(_client, KubeResources.Services, ns, NullLogger.Instance)
        {
            Backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)),
        };
        return (informer, Task.Run(() => informer.RunAsync(_stop.Token)));
    }

    [Fact]
    public async Task RunAsync_ListThenWatch_CacheFollowsAddsUpdatesDeletes()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "a", "a.example.com"));
        var (informer, _) = Start();
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced && informer.Count == 1), Within, "listed");

        _api.Upsert(ApiKind.Services, Service("shop", "b", "b.example.com"));
        _api.Upsert(ApiKind.Services, Service("shop", "a", "a2.example.com"));
        _api.Delete(ApiKind.Services, "shop", "b");
        _api.Upsert(ApiKind.Services, Service("blog", "c", null));

        await Eventually.TrueAsync(() => Task.FromResult(informer.Count == 2 && informer.Items.Any(s => s.Metadata.Annotations?.GetValueOrDefault("entrance.io/hosts") == "a2.example.com")),
            Within, "cache follows the watch");
        Assert.Equal(1, informer.Stats.Lists);
        Assert.Equal(_api.ResourceVersion.ToString(), informer.ResourceVersion);
    }

    [Fact]
    public async Task RunAsync_QuietWatch_BookmarksAdvanceResourceVersion()
    {
        _api.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        var (informer, _) = Start("shop");
        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced), Within, "listed");
        var listed = informer.ResourceVersion;

        // Changes elsewhere move the global resourceVersion; the bookmark carries it to this quiet watch.
        _api.Upsert(ApiKind.Services, Service("other", "x", null));

        await Eventually.TrueAsync(() => Task.FromResult(informer.ResourceVersion != listed), Within, "a bookmark moved the resourceVersion");
        Assert.Equal(0, informer.Count);
    }

    [Fact]
    public async Task RunAsync_WatchesClosedAtOnce_BacksOffInsteadOfSpinning()
    {
        _api.CloseWatchesAtOnce = true;
        var (informer, _) = Start();
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

        var (informer, _) = Start();

        await Eventually.TrueAsync(() => Task.FromResult(informer.HasSynced && informer.Count == 1), Within, "listed after the errors");
        Assert.Equal(3, informer.Stats.Errors);
    }
}
