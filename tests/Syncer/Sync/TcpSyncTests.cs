using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Sync;

/// <summary>Services annotated with a TCP port, through the whole Syncer (test API server → informers → real Redis).</summary>
public sealed class TcpSyncTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
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

    private async Task<string> MembersAsync(int port) =>
        string.Join(',', (await Redis.CliAsync("SMEMBERS", $"entrance:tcp:{port}")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    private Task BackendsAreAsync(int port, string expected) =>
        Eventually.TrueAsync(async () => await MembersAsync(port) == expected, Within, $"tcp {port} backends should be [{expected}]");

    [Fact]
    public async Task Sync_AnnotatedService_TcpRouteFollowsEndpointsAndGoesWithTheAnnotation()
    {
        var annotations = new Dictionary<string, string> { ["entrance.io/tcp-port"] = "30001", ["entrance.io/port"] = "pg" };
        _api.Upsert(ApiKind.Services, Service("db", "pg", null, annotations, ("pg", 5432)));
        _api.Upsert(ApiKind.EndpointSlices, Slice("db", "pg-1", "pg", "pg", 5432, new Ep("10.0.0.1"), new Ep("10.0.0.2")));
        _syncer = await SyncerHarness.StartAsync(_api, Redis, "syncer-a");

        await BackendsAreAsync(30001, "10.0.0.1:5432,10.0.0.2:5432");
        Assert.Equal("syncer", await Redis.CliAsync("HGET", "entrance:tcp-owners", "30001"));

        _api.Upsert(ApiKind.EndpointSlices, Slice("db", "pg-1", "pg", "pg", 5432, new Ep("10.0.0.2"), new Ep("10.0.0.3")));
        await BackendsAreAsync(30001, "10.0.0.2:5432,10.0.0.3:5432");

        _api.Upsert(ApiKind.Services, Service("db", "pg", null, new() { ["entrance.io/port"] = "pg" }, ("pg", 5432)));
        await Eventually.TrueAsync(async () => await Redis.CliAsync("HGET", "entrance:tcp-owners", "30001") == "", Within, "the route goes with its annotation");
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:tcp:30001"));
    }

    [Fact]
    public async Task Sync_PortWrittenByHand_LeftUntouched()
    {
        await Redis.CliAsync("SADD", "entrance:tcp:30002", "10.9.9.9:22");
        _api.Upsert(ApiKind.Services, Service("ssh", "bastion", null, new() { ["entrance.io/tcp-port"] = "30002" }, ("ssh", 22)));
        _api.Upsert(ApiKind.Services, Service("ssh", "other", null, new() { ["entrance.io/tcp-port"] = "30003" }, ("ssh", 22)));
        _api.Upsert(ApiKind.EndpointSlices, Slice("ssh", "b-1", "bastion", "ssh", 22, new Ep("10.0.0.5")));
        _api.Upsert(ApiKind.EndpointSlices, Slice("ssh", "o-1", "other", "ssh", 22, new Ep("10.0.0.6")));
        _syncer = await SyncerHarness.StartAsync(_api, Redis, "syncer-a");

        await BackendsAreAsync(30003, "10.0.0.6:22"); // the pass that skipped 30002 is done

        Assert.Equal("10.9.9.9:22", await MembersAsync(30002));
        Assert.Equal("", await Redis.CliAsync("HGET", "entrance:tcp-owners", "30002"));
    }
}
