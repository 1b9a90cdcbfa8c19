using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Tests.Fakes;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Kubernetes;

public class KubeClientTests : IAsyncLifetime
{
    private TestApiServer _api = null!;
    private KubeClient _client = null!;

    public async Task InitializeAsync()
    {
        _api = await TestApiServer.StartAsync();
        _api.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        _client = new KubeClient(KubeCredentials.FromKubeconfig(TestKubeconfig.Write(_api.Url)));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task WatchAsync_FromListVersion_StreamsChangesAndBookmarks()
    {
        _api.Upsert(ApiKind.Services, Service("shop", "web", "a.example.com"));
        var list = await _client.ListAsync(KubeResources.Services, "shop", CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<WatchEvent<Service>>();

        var reading = Task.Run(async () =>
        {
            await foreach (var e in _client.WatchAsync(KubeResources.Services, "shop", list.Metadata.ResourceVersion!, TimeSpan.FromSeconds(30), cts.Token))
            {
                events.Add(e);
                if (events.Count(x => x.Type == "BOOKMARK") >= 1 && events.Any(x => x.Type == "DELETED"))
                {
                    return;
                }
            }
        });
        _api.Upsert(ApiKind.Services, Service("shop", "web", "b.example.com"));
        _api.Upsert(ApiKind.Services, Service("other", "web", "c.example.com"));
        _api.Delete(ApiKind.Services, "shop", "web");
        await reading;

        Assert.Single(list.Items);
        Assert.Equal(["MODIFIED", "DELETED"], events.Where(e => e.Type != "BOOKMARK").Select(e => e.Type));
        Assert.Equal("b.example.com", events[0].Type == "MODIFIED" ? events[0].Object!.Metadata.Annotations!["entrance.io/hosts"] : events.First(e => e.Type == "MODIFIED").Object!.Metadata.Annotations!["entrance.io/hosts"]);
        Assert.Contains(events, e => e.Type == "BOOKMARK" && !string.IsNullOrEmpty(e.ResourceVersion));
    }

    [Fact]
    public async Task GetLeaseAsync_Missing_ReturnsNull()
    {
        Assert.Null(await _client.GetLeaseAsync("entrance", "none", CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_ServerError_ThrowsWithStatusCodeAndMessage()
    {
        _api.Fail = _ => true;

        var e = await Assert.ThrowsAsync<KubeApiException>(() => _client.ListAsync(KubeResources.Ingresses, null, CancellationToken.None));

        Assert.Equal(503, e.Code);
        Assert.Contains("/apis/networking.k8s.io/v1/ingresses", e.Message);
    }
}
