using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

/// <summary>
/// Sentinel settings with passwords as every program reads them (<c>RedisConnection.ParseOptions</c>), and the Syncer's
/// connection (<see cref="RouteWriterConnection"/>) writing through sentinels and a master that require different passwords.
/// </summary>
public class SentinelAuthTests
{
    [Fact]
    public void ParseOptions_SentinelUserAndPassword_KeptApartFromTheDataNodes()
    {
        var options = RedisConnection.ParseOptions("10.0.0.1:26379,10.0.0.2:26379,serviceName=entrance,user=router,password=data,sentinelUser=watcher,sentinelPassword=sent");

        Assert.Equal("entrance", options.ServiceName);
        Assert.Equal(("router", "data"), (options.User, options.Password));
        Assert.Equal(("watcher", "sent"), (options.SentinelUser, options.SentinelPassword));
        Assert.Equal(["10.0.0.1:26379", "10.0.0.2:26379"], RedisConnection.Endpoints("10.0.0.1:26379,10.0.0.2:26379,serviceName=entrance,sentinelPassword=sent"));
    }

    [Fact]
    public void ParseOptions_SentinelUrl_QueryCarriesServiceAndSentinelPassword()
    {
        var options = RedisConnection.ParseOptions("redis://:data@10.0.0.1:26379?serviceName=entrance&sentinelPassword=s%26nt");

        Assert.Equal("entrance", options.ServiceName);
        Assert.Equal("data", options.Password);
        Assert.Equal("s&nt", options.SentinelPassword);
    }

    [Fact]
    public void Problem_BadSentinelConfiguration_SaysWhyWithoutEitherPassword()
    {
        var problem = RedisConnection.Problem("10.0.0.1:26379,serviceName=entrance,password=hunter2,sentinelPassword=hunter3,connectTimeout=soon");

        Assert.NotNull(problem);
        Assert.DoesNotContain("hunter2", problem);
        Assert.DoesNotContain("hunter3", problem);
    }

    [Fact]
    public async Task RouteWriterConnection_SentinelsAndMasterWithDifferentPasswords_Writes()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "sentinel-pw"));
        using var connection = RouteWriterConnection.Connect(sentinel.Configuration, null, TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => Task.FromResult(connection.IsConnected), TimeSpan.FromSeconds(15), "connected through the sentinels");

        await connection.Writer.ApplyAsync(new RouteSpec("syncer.example.com", ["http://10.0.0.5:80"], new Dictionary<string, string>()), "syncer", OwnershipMode.Claim);

        Assert.Equal("http://10.0.0.5:80", await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "SMEMBERS", "entrance:backends:syncer.example.com"]));
    }

    [Fact]
    public async Task ConnectAsync_SentinelUserWithTheDocumentedRules_WritesAndDiagnosesWithNothingDenied()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "watch-pw", "watcher"));
        await sentinel.AddSentinelUserAsync(DocumentedAcl.Rules("entrance-sentinel", "client-pw"));
        var sentinels = $"{sentinel.Endpoints},sentinelUser=entrance-sentinel,sentinelPassword=client-pw";

        // The CLI's way: connect at once or fail, then write.
        await using (var connection = await RedisConnection.ConnectAsync($"{sentinels},password=data-pw", null, TimeSpan.FromSeconds(5)))
        {
            await new RouteWriter(connection).ApplyAsync(new RouteSpec("cli.example.com", ["http://10.0.0.5:80"], new Dictionary<string, string>()), "apply", OwnershipMode.Claim);
        }

        // A failed connect is diagnosed through the same sentinels with the same user.
        using var wrong = RedisConnection.Connect($"{sentinels},password=not-it", null, TimeSpan.FromSeconds(1));
        var problem = await wrong.DiagnoseAsync();

        Assert.Equal("http://10.0.0.5:80", await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "SMEMBERS", "entrance:backends:cli.example.com"]));
        Assert.StartsWith($"the master 127.0.0.1:{sentinel.Master.Port} of Sentinel service 'entrance' refused the credentials", problem?.Message);
        Assert.Empty(await sentinel.AclDenialsAsync());
    }

    [Fact]
    public async Task DiagnoseAsync_WrongMasterPassword_NamesTheMaster()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "sentinel-pw"));
        using var connection = RedisConnection.Connect($"{sentinel.Endpoints},password=not-it,sentinelPassword=sentinel-pw", null, TimeSpan.FromSeconds(1));

        var problem = await connection.DiagnoseAsync();

        Assert.NotNull(problem);
        Assert.True(problem.CredentialsRefused);
        Assert.StartsWith($"the master 127.0.0.1:{sentinel.Master.Port} of Sentinel service 'entrance' refused the credentials (user/password): WRONGPASS", problem.Message);
    }
}
