using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public sealed class CertificateReaderTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private CertificateReader _reader = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(redis.Server.Configuration, null, TimeSpan.FromSeconds(5));
        _reader = new CertificateReader(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Theory]
    [InlineData("a.example.com", "*.example.com")]
    [InlineData("a.b.example.com", "*.b.example.com")]
    [InlineData("example.com", null)]
    [InlineData("localhost", null)]
    [InlineData("*.example.com", null)]
    public void WildcardOf_Name_OneLabelOffOrNone(string name, string? expected) => Assert.Equal(expected, CertificateReader.WildcardOf(name));

    [Fact]
    public async Task FindAsync_ExactThenWildcard_ExactWinsWildcardCoversOneLabel()
    {
        await redis.Server.CliAsync("HSET", "entrance:cert:*.example.com", "chain", "W", "key", "WK");
        await redis.Server.CliAsync("HSET", "entrance:cert:www.example.com", "chain", "E", "key", "EK");

        Assert.Equal(new StoredCertificate("www.example.com", "E", "EK"), await _reader.FindAsync("www.example.com"));
        Assert.Equal(new StoredCertificate("*.example.com", "W", "WK"), await _reader.FindAsync("shop.example.com"));
        Assert.Null(await _reader.FindAsync("a.shop.example.com"));
        Assert.Null(await _reader.FindAsync("example.com"));
    }

    [Fact]
    public async Task FindAsync_HashMissingKeyField_CountsAsAbsent()
    {
        await redis.Server.CliAsync("HSET", "entrance:cert:half.example.com", "chain", "only");

        Assert.Null(await _reader.FindAsync("half.example.com"));
    }

    [Fact]
    public async Task SubscribeAsync_CertificatePublishAndKeyspace_ReportedAsCertificateChanges()
    {
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
        var store = new RedisRouteStore(_connection);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<RouteChange>();
        await store.SubscribeAsync(changes.Enqueue);

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "cert:Shop.Example.com");
        await redis.Server.CliAsync("HSET", "entrance:cert:*.ks.example.com", "chain", "c", "key", "k");

        await Eventually.TrueAsync(() => Task.FromResult(changes.Contains(new RouteChange(RouteChangeKind.Certificate, "shop.example.com", RouteChangeOrigin.Publish))),
            TimeSpan.FromSeconds(5), "PUBLISH cert: reported");
        await Eventually.TrueAsync(() => Task.FromResult(changes.Contains(new RouteChange(RouteChangeKind.Certificate, "*.ks.example.com", RouteChangeOrigin.Keyspace))),
            TimeSpan.FromSeconds(5), "keyspace event on a certificate key reported");
        Assert.DoesNotContain(changes, c => c.Kind == RouteChangeKind.Route);
    }
}
