using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

/// <summary>Connecting with TLS (a private CA), ACL users and redis:// URLs.</summary>
public class RedisAccessTests
{
    [Fact]
    public void ParseOptions_RedissUrl_UserPasswordTlsAndDatabase()
    {
        var options = RedisConnection.ParseOptions("rediss://router:s%40cret@redis.internal:6380/3?serviceName=entrance");

        Assert.Equal("redis.internal:6380", options.EndPoints.Single().ToString()!.Replace("Unspecified/", string.Empty));
        Assert.True(options.Ssl);
        Assert.Equal("router", options.User);
        Assert.Equal("s@cret", options.Password);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.Equal("entrance", options.ServiceName);
    }

    [Fact]
    public void ParseOptions_RedisUrlPasswordOnly_PlainWithPassword()
    {
        var options = RedisConnection.ParseOptions("redis://secret@127.0.0.1");

        Assert.False(options.Ssl);
        Assert.Null(options.User);
        Assert.Equal("secret", options.Password);
    }

    [Fact]
    public void Problem_BadUrl_SaysWhyWithoutThePassword()
    {
        var problem = RedisConnection.Problem("redis://user:hunter2@host/notadb");

        Assert.Contains("'notadb' is not a database number", problem);
        Assert.DoesNotContain("hunter2", problem);
    }

    [Fact]
    public void Problem_MissingCaFile_NamesIt() =>
        Assert.Equal("the Redis CA file '/nonexistent/ca.pem' does not exist", RedisConnection.Problem("localhost", new RedisClientSettings("/nonexistent/ca.pem")));

    [Fact]
    public async Task ConnectAsync_TlsWithTestCa_ReadsAndWrites()
    {
        await using var redis = await RedisTlsServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(redis.Configuration, null, TimeSpan.FromSeconds(5), new RedisClientSettings(redis.CaFile));
        var editor = new RouteEditor(connection);

        await editor.AddBackendsAsync("tls.example.com", ["http://127.0.0.1:9001"]);

        Assert.Equal("http://127.0.0.1:9001", await redis.Server.CliAsync("SMEMBERS", "entrance:backends:tls.example.com"));
    }

    [Fact]
    public async Task ConnectAsync_TlsWithoutTheCa_FailsNamingTheAddress()
    {
        await using var redis = await RedisTlsServer.StartAsync();

        var ex = await Assert.ThrowsAsync<RouteStoreUnavailableException>(() => RedisConnection.ConnectAsync(redis.Configuration, null, TimeSpan.FromSeconds(3)));

        Assert.StartsWith($"cannot reach Redis at 127.0.0.1:{redis.TlsPort}", ex.Message);
    }

    [Fact]
    public async Task Refusal_ReadOnlyUserWrites_NamesTheCommand()
    {
        await using var redis = await RedisServer.StartStockAsync();
        await redis.CliAsync("ACL", "SETUSER", "reader", "on", ">pw", "~*", "&*", "-@all", "+@read", "+@connection", "+info", "+evalsha", "+eval");
        await using var connection = await RedisConnection.ConnectAsync($"{redis.Configuration},user=reader,password=pw", null, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => new RouteEditor(connection).AddBackendsAsync("ro.example.com", ["http://127.0.0.1:9001"]));

        var refusal = RedisConnection.Refusal(ex);
        Assert.True(refusal is not null, ex.GetType() + ": " + ex.Message);
        Assert.Contains("sadd", refusal, StringComparison.OrdinalIgnoreCase);
    }
}
