using System.Diagnostics;
using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class RouteAdminTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RouteAdmin _admin = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _admin = await RouteAdmin.ConnectAsync(redis.Server.Configuration, null, TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task ConnectAsync_NobodyListening_FailsFastNamingTheAddress()
    {
        var port = FreePort.Next();
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => RouteAdmin.ConnectAsync($"127.0.0.1:{port}", null, TimeSpan.FromSeconds(2)));

        Assert.StartsWith($"cannot reach Redis at 127.0.0.1:{port}", ex.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task ScanRouteNamesAsync_PrefixWithGlobCharacters_MatchesThatPrefixLiterally()
    {
        await redis.Server.CliAsync("SADD", "t[1]*:entrance:backends:a.example.com", "http://1:80");
        await redis.Server.CliAsync("SADD", "t1x:entrance:backends:b.example.com", "http://1:80");
        await using var admin = await RouteAdmin.ConnectAsync(redis.Server.Configuration, "t[1]*:", TimeSpan.FromSeconds(2));

        var names = await admin.ScanRouteNamesAsync();

        Assert.Equal(["a.example.com"], names);
    }

    [Fact]
    public async Task AddBackendsAsync_RepeatedUrl_AddedOnce()
    {
        var result = await _admin.AddBackendsAsync("a.example.com", ["http://1:80", "http://1:80"]);

        Assert.Equal(["http://1:80"], result.Added);
        Assert.Equal(RouteSchema.Native, result.Schema);
    }

    [Fact]
    public async Task RemoveBackendsAsync_EveryHipacheUrl_KeepsTheIdentifier()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://1:80", "http://2:80");

        var result = await _admin.RemoveBackendsAsync("h.example.com", ["http://1:80", "http://2:80"]);

        Assert.Equal(["http://1:80", "http://2:80"], result.Removed);
        Assert.Equal(0, result.HipacheLeft);
        Assert.Equal("id", await redis.Server.CliAsync("LRANGE", "frontend:h.example.com", "0", "-1"));
    }

    [Fact]
    public async Task MigrateFrontendAsync_DeadSetWithoutExpiry_NativeMarkNeverExpires()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://1:80", "http://2:80");
        await redis.Server.CliAsync("SADD", "dead:h.example.com", "0");

        var result = await _admin.MigrateFrontendAsync("h.example.com", dryRun: false, DateTimeOffset.UtcNow);

        Assert.Equal(MigrateStatus.Migrated, result.Status);
        Assert.Equal("9007199254740991", await redis.Server.CliAsync("ZSCORE", "entrance:dead:h.example.com", "http://1:80"));
        var record = await _admin.Store.ResolveAsync("h.example.com");
        Assert.Equal(RouteSchema.Native, record!.Schema);
        Assert.True(Assert.Single(record.Dead).ExpiresAtUnixMs >= RouteAdmin.NeverExpires);
    }

    [Fact]
    public async Task SetSettingsAsync_SameValueTwice_SecondChangesNothing()
    {
        Assert.Equal(1, await _admin.SetSettingsAsync("a.example.com", new Dictionary<string, string> { ["lb"] = "random" }));
        Assert.Equal(0, await _admin.SetSettingsAsync("a.example.com", new Dictionary<string, string> { ["lb"] = "random" }));
    }
}
