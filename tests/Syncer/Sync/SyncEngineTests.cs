using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Sync;

/// <summary>The whole Syncer in process: test API server → informers → mapping → real Redis.</summary>
public class SyncEngineTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private TestApiServer _api = null!;
    private SyncerHarness? _syncer;

    private RedisServer Redis => redis.Server;

    public async Task InitializeAsync()
    {
        await Redis.CliAsync("FLUSHALL");
        _api = await TestApiServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_syncer is not null)
        {
            await _syncer.DisposeAsync();
        }

        await _api.DisposeAsync();
    }

    private async Task<SyncerHarness> StartSyncerAsync(params string[] extra)
    {
        _syncer = await SyncerHarness.StartAsync(_api, Redis, "syncer-a", extra);
        return _syncer;
    }

    private static bool IsList(string request, string path) =>
        request.StartsWith($"GET {path}?", StringComparison.Ordinal) && !request.Contains("watch=true");

    private async Task<string[]> MembersAsync(string host) =>
        (await Redis.CliAsync("SMEMBERS", "entrance:backends:" + host)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();

    private Task BackendsAreAsync(string host, params string[] urls) =>
        Eventually.TrueAsync(async () => (await MembersAsync(host)).SequenceEqual(urls.Order()), Within,
            $"{host} backends should be [{string.Join(", ", urls)}]");

    [Fact]
    public async Task Sync_ServiceWithEndpoints_WritesBackendsOwnerAndSource()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "shop.example.com, *.shop.example.com", new() { ["entrance.io/lb"] = "random" }));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 8080, new Ep("10.0.0.1"), new Ep("10.0.0.2")));

        await StartSyncerAsync();

        await BackendsAreAsync("shop.example.com", "http://10.0.0.1:8080", "http://10.0.0.2:8080");
        await BackendsAreAsync("*.shop.example.com", "http://10.0.0.1:8080", "http://10.0.0.2:8080");
        Assert.Equal("syncer", await Redis.CliAsync("HGET", "entrance:owners", "shop.example.com"));
        Assert.Equal("random", await Redis.CliAsync("HGET", "entrance:host:shop.example.com", "lb"));
        Assert.Equal("service/shop/web", await Redis.CliAsync("HGET", "entrance:host:shop.example.com", "source"));
    }

    [Fact]
    public async Task Sync_EndpointsScaledUpAndDown_SetFollowsWithoutEverBeingEmpty()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await StartSyncerAsync();
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");

        // Watch the set the whole time: the swap 10.0.0.1 → 10.0.0.2/3 must never show an empty set.
        using var stop = new CancellationTokenSource();
        var sawEmpty = false;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if ((await MembersAsync("a.example.com")).Length == 0)
                {
                    sawEmpty = true;
                }
            }
        });

        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.2"), new Ep("10.0.0.3")));
        await BackendsAreAsync("a.example.com", "http://10.0.0.2:80", "http://10.0.0.3:80");
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-2", "web", "http", 80, new Ep("10.0.1.1")));
        await BackendsAreAsync("a.example.com", "http://10.0.0.2:80", "http://10.0.0.3:80", "http://10.0.1.1:80");
        _api.Delete(ApiKind.EndpointSlices, "shop", "web-1");
        await BackendsAreAsync("a.example.com", "http://10.0.1.1:80");
        stop.Cancel();
        await watcher;

        Assert.False(sawEmpty, "the backends set was empty between old and new");
    }

    [Fact]
    public async Task Sync_AllEndpointsNotReady_HostStaysDeclaredWithNoBackends()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await StartSyncerAsync();
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");

        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1", Ready: false), new Ep("10.0.0.2", Terminating: true)));

        await BackendsAreAsync("a.example.com");
        Assert.Equal("1", await Redis.CliAsync("EXISTS", "entrance:host:a.example.com"));
        Assert.Equal("syncer", await Redis.CliAsync("HGET", "entrance:owners", "a.example.com"));
    }

    [Fact]
    public async Task Sync_ServiceDeleted_RemovesItsHostsAndOwnership()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com, b.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await StartSyncerAsync();
        await BackendsAreAsync("b.example.com", "http://10.0.0.1:80");

        _api.Delete(ApiKind.Services, "shop", "web");

        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:backends:a.example.com", "entrance:host:a.example.com", "entrance:backends:b.example.com") == "0",
            Within, "the service's hosts should be removed");
        Assert.Equal("0", await Redis.CliAsync("HLEN", "entrance:owners"));
    }

    [Fact]
    public async Task Sync_AnnotationHostChanged_OldHostRemovedNewWritten()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "old.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await StartSyncerAsync();
        await BackendsAreAsync("old.example.com", "http://10.0.0.1:80");

        _api.Upsert(ApiKind.Services, Service("shop", "web", "new.example.com"));

        await BackendsAreAsync("new.example.com", "http://10.0.0.1:80");
        await BackendsAreAsync("old.example.com");
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:host:old.example.com"));
    }

    [Fact]
    public async Task Sync_IngressAddedAndRemoved_HostFollows()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", null));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 8080, new Ep("10.0.0.1")));
        await StartSyncerAsync();
        await Eventually.TrueAsync(() => Task.FromResult(_syncer!.Runtime.Engine.AllSynced), Within, "informers synced");

        _api.Upsert(ApiKind.Ingresses, Ingress("shop", "ing", "entrance", new Rule("www.example.com", "web", 80)));
        await BackendsAreAsync("www.example.com", "http://10.0.0.1:8080");
        Assert.Equal("ingress/shop/ing", await Redis.CliAsync("HGET", "entrance:host:www.example.com", "source"));

        _api.Delete(ApiKind.Ingresses, "shop", "ing");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:backends:www.example.com", "entrance:host:www.example.com") == "0",
            Within, "the ingress host should be removed");
    }

    [Fact]
    public async Task Sync_IngressOfAnotherClass_IsIgnoredUnlessConfigured()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", null));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 8080, new Ep("10.0.0.1")));
        _api.Upsert(ApiKind.Ingresses, Ingress("shop", "ing", "public", new Rule("www.example.com", "web", 80)));
        _api.Upsert(ApiKind.Ingresses, Ingress("shop", "ing2", "entrance", new Rule("x.example.com", "web", 80)));

        await StartSyncerAsync("--Syncer:IngressClass", "public");

        await BackendsAreAsync("www.example.com", "http://10.0.0.1:8080");
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:backends:x.example.com"));
    }

    [Fact]
    public async Task Sync_NamespacesConfigured_OnlyThoseAreWatched()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.Services, Service("blog", "web", "b.example.com"));
        _api.Upsert(ApiKind.Services, Service("other", "web", "c.example.com"));

        await StartSyncerAsync("--Syncer:Namespaces:0", "shop", "--Syncer:Namespaces:1", "blog");

        await Eventually.TrueAsync(async () => await Redis.CliAsync("HLEN", "entrance:owners") == "2", Within, "two hosts written");
        Assert.Equal("1", await Redis.CliAsync("EXISTS", "entrance:host:a.example.com"));
        Assert.Equal("1", await Redis.CliAsync("EXISTS", "entrance:host:b.example.com"));
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:host:c.example.com"));
        Assert.Contains(_api.Requests, r => r.StartsWith("GET /api/v1/namespaces/shop/services?", StringComparison.Ordinal) && r.Contains("watch=true"));
        Assert.DoesNotContain(_api.Requests, r => r.StartsWith("GET /api/v1/services", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_WatchStreamCutMidway_ResumesFromLastVersionWithoutRelist()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        var syncer = await StartSyncerAsync();
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");
        var listsBefore = _api.Requests.Count(r => IsList(r, "/apis/discovery.k8s.io/v1/endpointslices"));

        Assert.True(_api.CutWatches() >= 3);
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1"), new Ep("10.0.0.2")));

        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80", "http://10.0.0.2:80");
        var lists = _api.Requests.Count(r => IsList(r, "/apis/discovery.k8s.io/v1/endpointslices"));
        Assert.Equal(listsBefore, lists);
        Assert.Contains(_api.Requests, r => r.StartsWith("GET /apis/discovery.k8s.io/v1/endpointslices?", StringComparison.Ordinal) && r.Contains("watch=true") && !r.Contains("resourceVersion=0"));
        Assert.Equal(0, syncer.Runtime.Engine.InformerStats.Sum(s => s.Expired));
    }

    [Fact]
    public async Task Sync_410OnResume_RelistsAndLosesNoChange()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.Services, Service("shop", "gone", "gone.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        var syncer = await StartSyncerAsync();
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:gone.example.com") == "1", Within, "gone.example.com written");

        // Changes the watches never deliver, then history compacted and streams cut: only a re-list can see them.
        _api.SuppressWatchEvents = true;
        _api.Delete(ApiKind.Services, "shop", "gone");
        _api.Upsert(ApiKind.Services, Service("shop", "new", "new.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.7")));
        _api.Compact();
        _api.SuppressWatchEvents = false;
        _api.CutWatches();

        await BackendsAreAsync("a.example.com", "http://10.0.0.7:80");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:new.example.com") == "1", Within, "new.example.com written");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:gone.example.com") == "0", Within, "gone.example.com removed");
        Assert.True(syncer.Runtime.Engine.InformerStats.Sum(s => s.Expired) >= 2, "services and slices watches should have expired");
    }

    [Fact]
    public async Task Resync_KeyDeletedOrEditedByHand_IsRepaired()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com", new() { ["entrance.io/lb"] = "random" }));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        await StartSyncerAsync("--Syncer:ResyncInterval", "00:00:01");
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");

        await Redis.CliAsync("DEL", "entrance:backends:a.example.com");
        await Redis.CliAsync("HSET", "entrance:host:a.example.com", "lb", "p2c");

        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("HGET", "entrance:host:a.example.com", "lb") == "random", Within, "lb restored");

        await Redis.CliAsync("SADD", "entrance:backends:a.example.com", "http://6.6.6.6:80");
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");
    }

    [Fact]
    public async Task Sync_HostWrittenByCliOrByHand_IsNeverTouchedAndConflictCounted()
    {
        await Redis.CliAsync("SADD", "entrance:backends:manual.example.com", "http://192.0.2.1:80");
        await Redis.CliAsync("SADD", "entrance:backends:cli.example.com", "http://192.0.2.2:80");
        await Redis.CliAsync("HSET", "entrance:owners", "cli.example.com", "apply");
        _api.Upsert(ApiKind.Services, Service("shop", "web", "manual.example.com, cli.example.com, mine.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        var syncer = await StartSyncerAsync("--Syncer:ResyncInterval", "00:00:01");
        await BackendsAreAsync("mine.example.com", "http://10.0.0.1:80");
        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.FullResyncs >= 2), Within, "a periodic resync ran");

        _api.Delete(ApiKind.Services, "shop", "web");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:backends:mine.example.com") == "0", Within, "own host removed");

        Assert.Equal(["http://192.0.2.1:80"], await MembersAsync("manual.example.com"));
        Assert.Equal(["http://192.0.2.2:80"], await MembersAsync("cli.example.com"));
        Assert.Equal("apply", await Redis.CliAsync("HGET", "entrance:owners", "cli.example.com"));
        Assert.Equal(string.Empty, await Redis.CliAsync("HGET", "entrance:owners", "manual.example.com"));
        Assert.True(syncer.Runtime.Engine.Stats.Conflicts >= 2);
    }

    [Fact]
    public async Task Start_OwnedHostNoLongerPublished_IsRemovedByFirstFullSync()
    {
        // Left over from a previous run: the Service went away while no Syncer was running.
        await Redis.CliAsync("SADD", "entrance:backends:stale.example.com", "http://10.9.9.9:80");
        await Redis.CliAsync("HSET", "entrance:owners", "stale.example.com", "syncer");
        await Redis.CliAsync("SADD", "entrance:backends:kept.example.com", "http://10.9.9.8:80");
        await Redis.CliAsync("HSET", "entrance:owners", "kept.example.com", "apply");

        await StartSyncerAsync();

        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:backends:stale.example.com") == "0", Within, "stale host removed");
        Assert.Equal("1", await Redis.CliAsync("EXISTS", "entrance:backends:kept.example.com"));
    }

    [Fact]
    public async Task Sync_ChangePublishesOnChangedChannel()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        await StartSyncerAsync();
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:a.example.com") == "1", Within, "host declared");
        var received = new TaskCompletionSource<string>();
        await Redis.Client.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), (_, message) => received.TrySetResult(message!));

        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));

        Assert.Equal("a.example.com", await received.Task.WaitAsync(Within));
    }

    [Fact]
    public async Task Sync_SkippedPathAndConflict_EachLoggedOnceAcrossManyPasses()
    {
        await Redis.CliAsync("SADD", "entrance:backends:taken.example.com", "http://192.0.2.1:80");
        _api.Upsert(ApiKind.Services, Service("shop", "web", "taken.example.com"));
        _api.Upsert(ApiKind.Ingresses, Ingress("shop", "ing", "entrance", new Rule("p.example.com", "web", 80, Path: "/a/../b"), new Rule("ok.example.com", "web", 80)));
        var syncer = await StartSyncerAsync("--Syncer:ResyncInterval", "00:00:00.300");
        for (var i = 0; i < 5; i++)
        {
            _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep($"10.0.0.{i + 1}")));
            await BackendsAreAsync("ok.example.com", $"http://10.0.0.{i + 1}:80");
        }

        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.FullResyncs >= 3), Within, "several full resyncs");

        var warnings = syncer.Logs.Entries.Where(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Single(warnings, w => w.Contains("path '/a/../b'"));
        Assert.Single(warnings, w => w.Contains("conflict: host taken.example.com") && w.Contains("manual"));
        Assert.Equal(["http://192.0.2.1:80"], await MembersAsync("taken.example.com"));
    }

    [Fact]
    public async Task Sync_LeaderElectionDisabled_WritesWithoutLease()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));

        await StartSyncerAsync("--Syncer:LeaderElection:Enabled", "false");

        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");
        Assert.DoesNotContain(_api.Requests, r => r.Contains("/leases"));
    }

    [Fact]
    public async Task Sync_KeyPrefixConfigured_WritesPrefixedKeys()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));

        await StartSyncerAsync("--Entrance:KeyPrefix", "t1:");

        await Eventually.TrueAsync(async () => await Redis.CliAsync("SMEMBERS", "t1:entrance:backends:a.example.com") == "http://10.0.0.1:80", Within, "prefixed set");
        Assert.Equal("syncer", await Redis.CliAsync("HGET", "t1:entrance:owners", "a.example.com"));
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:backends:a.example.com"));
    }

    [Fact]
    public async Task Sync_RenewalsTooSlow_PausesWritesThenResumesWithFullSync()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.Services, Service("shop", "old", "b.example.com"));
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1")));
        var syncer = await StartSyncerAsync();
        await BackendsAreAsync("a.example.com", "http://10.0.0.1:80");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:b.example.com") == "1", Within, "b written");

        // Lease calls now take longer than the renew deadline (2 s): the leader must stop writing.
        _api.Delay = r => r.Path.Value!.Contains("/leases") ? TimeSpan.FromSeconds(2.5) : null;
        await Eventually.TrueAsync(() => Task.FromResult(!syncer.Runtime.Leadership.CanWrite), Within, "writes paused");
        _api.Upsert(ApiKind.EndpointSlices, Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.2")));
        _api.Delete(ApiKind.Services, "shop", "old");
        await Task.Delay(500);
        Assert.Equal(["http://10.0.0.1:80"], await MembersAsync("a.example.com"));
        Assert.Equal("1", await Redis.CliAsync("EXISTS", "entrance:host:b.example.com"));

        // The API is fast again: the same instance (still the holder) leads again and catches up on everything.
        _api.Delay = null;
        await BackendsAreAsync("a.example.com", "http://10.0.0.2:80");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:b.example.com") == "0", Within, "b removed after resuming");
        Assert.Equal("syncer-a", _api.Get(ApiKind.Leases, "entrance", "entrance-syncer")!["spec"]!["holderIdentity"]!.GetValue<string>());
    }
}
