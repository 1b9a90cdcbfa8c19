using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class HipacheMigrationTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = await RedisConnection.ConnectAsync(redis.Server.Configuration, null, TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task MigrateAsync_DeadSetWithoutExpiry_NativeMarkNeverExpires()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://1:80", "http://2:80");
        await redis.Server.CliAsync("SADD", "dead:h.example.com", "0");

        var result = await new HipacheMigration(_connection).MigrateAsync("h.example.com", dryRun: false, DateTimeOffset.UtcNow);

        Assert.Equal(MigrateStatus.Migrated, result.Status);
        Assert.Equal("9007199254740991", await redis.Server.CliAsync("ZSCORE", "entrance:dead:h.example.com", "http://1:80"));
        var record = await new RedisRouteStore(_connection).ResolveAsync("h.example.com");
        Assert.Equal(RouteSchema.Native, record!.Schema);
        Assert.True(Assert.Single(record.Dead).ExpiresAtUnixMs >= DeadMarks.NeverExpires);
    }

    [Fact]
    public async Task ScanFrontendsAsync_NativeAndHipacheKeys_OnlyFrontends()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:b.example.com", "id", "http://1:80");
        await redis.Server.CliAsync("RPUSH", "frontend:a.example.com", "id", "http://1:80");
        await redis.Server.CliAsync("SADD", "entrance:backends:c.example.com", "http://1:80");

        Assert.Equal(["a.example.com", "b.example.com"], await new HipacheMigration(_connection).ScanFrontendsAsync());
    }
}
