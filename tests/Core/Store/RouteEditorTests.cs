using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public class RouteEditorTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private RouteEditor _editor = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _connection = await RedisConnection.ConnectAsync(redis.Server.Configuration, null, TimeSpan.FromSeconds(2));
        _editor = new RouteEditor(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task AddBackendsAsync_RepeatedUrl_AddedOnce()
    {
        var result = await _editor.AddBackendsAsync("a.example.com", ["http://1:80", "http://1:80"]);

        Assert.Equal(["http://1:80"], result.Added);
        Assert.Equal(RouteSchema.Native, result.Schema);
    }

    [Fact]
    public async Task RemoveBackendsAsync_EveryHipacheUrl_KeepsTheIdentifier()
    {
        await redis.Server.CliAsync("RPUSH", "frontend:h.example.com", "id", "http://1:80", "http://2:80");

        var result = await _editor.RemoveBackendsAsync("h.example.com", ["http://1:80", "http://2:80"]);

        Assert.Equal(["http://1:80", "http://2:80"], result.Removed);
        Assert.Equal(0, result.HipacheLeft);
        Assert.Equal("id", await redis.Server.CliAsync("LRANGE", "frontend:h.example.com", "0", "-1"));
    }

    [Fact]
    public async Task SetSettingsAsync_SameValueTwice_SecondChangesNothing()
    {
        Assert.Equal(1, await _editor.SetSettingsAsync("a.example.com", new Dictionary<string, string> { ["lb"] = "random" }));
        Assert.Equal(0, await _editor.SetSettingsAsync("a.example.com", new Dictionary<string, string> { ["lb"] = "random" }));
    }
}
