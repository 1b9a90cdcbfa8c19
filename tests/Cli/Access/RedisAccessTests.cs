using Entrance.Testing;

namespace Entrance.Cli.Tests.Access;

/// <summary>The CLI with ACL users (the CLI's documented rules; a read-only user) and over TLS with --redis-ca.</summary>
public class RedisAccessTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartStockAsync();
        await _redis.CliAsync("ACL", "SETUSER", "reader", "on", ">ro", "~*", "&*", "-@all", "+@read", "+@connection", "+info", "+cluster|nodes", "+cluster|slots");
        await _redis.CliAsync(DocumentedAcl.Rules("entrance-cli", "pw"));
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task RouteAdd_ReadOnlyUser_ClearErrorNamingTheCommandExit2()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", $"{_redis.Configuration},user=reader,password=ro", "route", "add", "ro.example.com", "http://127.0.0.1:9001");

        Assert.Equal(2, run.Exit);
        Assert.StartsWith("error: Redis refused a command for this user: ", run.Err);
        Assert.True(run.Err.Contains("'evalsha' command", StringComparison.Ordinal), run.ToString()); // add-backends.lua, refused whole
        Assert.Equal(string.Empty, await _redis.CliAsync("SMEMBERS", "entrance:backends:ro.example.com"));
    }

    [Fact]
    public async Task RouteList_WrongPassword_Exit2NamingRedisAndTheCredentials()
    {
        await using var locked = await RedisServer.StartStockAsync("--requirepass", "data-pw");

        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", $"{locked.Configuration},password=not-it-4711", "route", "list");

        Assert.Equal(2, run.Exit);
        Assert.Equal($"error: Redis at 127.0.0.1:{locked.Port} refused the credentials (user/password): WRONGPASS invalid username-password pair or user is disabled\n", run.Err);
    }

    [Fact]
    public async Task RouteList_ReadOnlyUser_Works()
    {
        await _redis.CliAsync("SADD", "entrance:backends:listed.example.com", "http://127.0.0.1:9001");

        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", $"redis://reader:ro@127.0.0.1:{_redis.Port}", "--output", "plain", "route", "list");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("listed.example.com", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteAddAndRemove_DocumentedCliUser_Works()
    {
        var redis = $"{_redis.Configuration},user=entrance-cli,password=pw";

        var add = await CliHarness.RunWithAsync(null, null, false, "--redis", redis, "route", "add", "cli.example.com", "http://127.0.0.1:9001");
        var remove = await CliHarness.RunWithAsync(null, null, false, "--redis", redis, "route", "remove", "cli.example.com");

        Assert.True(add.Exit == 0, add.ToString());
        Assert.True(remove.Exit == 0, remove.ToString());
        var refused = await _redis.CliAsync("ACL", "LOG");
        Assert.True(refused.Length == 0, refused);
    }

    [Fact]
    public async Task RouteAdd_TlsWithRedisCa_Writes()
    {
        await using var tls = await RedisTlsServer.StartAsync();

        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", tls.Configuration, "--redis-ca", tls.CaFile, "route", "add", "tls.example.com", "http://127.0.0.1:9001");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("http://127.0.0.1:9001", await tls.Server.CliAsync("SMEMBERS", "entrance:backends:tls.example.com"));
    }

    [Fact]
    public async Task RouteAdd_MissingCaFile_Exit2()
    {
        var run = await CliHarness.RunWithAsync(null, null, false, "--redis", _redis.Configuration, "--redis-ca", "/nonexistent/ca.pem", "route", "add", "x.example.com", "http://127.0.0.1:9001");

        Assert.Equal(2, run.Exit);
        Assert.Equal("error: the Redis CA file '/nonexistent/ca.pem' does not exist\n", run.Err);
    }
}
