using Entrance.Router.Invalidation;
using Entrance.Testing;
using Microsoft.Extensions.Hosting;

namespace Entrance.Router.Tests.Store;

/// <summary>
/// The router end to end with the least rights: the ACL line docs/redis-schema.md gives for a router (read from the
/// file, so the documentation is what is tested), on a stock Redis; and over TLS with a private CA.
/// </summary>
public class RedisAclTests : IAsyncLifetime
{
    private TestBackend _old = null!;
    private TestBackend _new = null!;

    public async Task InitializeAsync()
    {
        _old = await TestBackend.StartAsync("old");
        _new = await TestBackend.StartAsync("new");
    }

    public async Task DisposeAsync()
    {
        await _old.DisposeAsync();
        await _new.DisposeAsync();
    }

    [Fact]
    public async Task Router_DocumentedAclUser_RoutesTracksAndMarksDeadWithNothingRefused()
    {
        await using var redis = await RedisServer.StartStockAsync();
        Assert.Equal("OK", await redis.CliAsync(DocumentedAcl.Rules("entrance-router", "pw")));
        await redis.CliAsync("SADD", "entrance:backends:acl.example.com", _old.Url);
        await redis.CliAsync("RPUSH", "frontend:hip.example.com", "hip", _old.Url);
        using var deadPort = new RefusedPort();
        await redis.CliAsync("SADD", "entrance:backends:dead.example.com", deadPort.Url);

        await using var router = await RouterHost.StartAsync($"{redis.Configuration},user=entrance-router,password=pw", "Entrance:CacheTtl=00:00:30", "Entrance:Fleet:Enabled=true");

        Assert.Equal("old", await router.GetBodyAsync("acl.example.com"));
        Assert.Equal("old", await router.GetBodyAsync("hip.example.com"));
        var listener = router.Service<IEnumerable<IHostedService>>().OfType<InvalidationListener>().Single();
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(listener.Tracking), TimeSpan.FromSeconds(15), "tracking registered");
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(ex.Message + "; ACL LOG: " + await redis.CliAsync("ACL", "LOG"), ex);
        }

        await redis.CliAsync("SREM", "entrance:backends:acl.example.com", _old.Url);
        await redis.CliAsync("SADD", "entrance:backends:acl.example.com", _new.Url);
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("acl.example.com") == "new", TimeSpan.FromSeconds(5), "raw write reached the router");

        // A backend that refuses connections: the router writes its dead mark with the router's own rights.
        await router.GetAsync("dead.example.com");
        await Eventually.TrueAsync(async () => await redis.CliAsync("EXISTS", "entrance:dead:dead.example.com") == "1", TimeSpan.FromSeconds(5), "dead mark written");

        var refused = await redis.CliAsync("ACL", "LOG");
        Assert.True(refused.Length == 0, refused);
    }

    [Fact]
    public async Task Router_UserWithoutEvalsha_AnswersUnavailableAndLogsTheRefusal()
    {
        await using var redis = await RedisServer.StartStockAsync();
        var rules = DocumentedAcl.Rules("entrance-router", "pw").Where(r => r is not ("+evalsha" or "+eval" or "+evalsha_ro" or "+eval_ro")).ToArray();
        Assert.Equal("OK", await redis.CliAsync(rules));
        await redis.CliAsync("SADD", "entrance:backends:refused.example.com", _old.Url);
        await using var router = await RouterHost.StartAsync($"{redis.Configuration},user=entrance-router,password=pw");

        using var response = await router.GetAsync("refused.example.com");
        using var again = await router.GetAsync("refused.example.com");

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(503, (int)again.StatusCode);
        Assert.Contains("evalsha", await redis.CliAsync("ACL", "LOG", "1"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Router_TlsWithTestCa_Routes()
    {
        await using var redis = await RedisTlsServer.StartAsync();
        await redis.Server.CliAsync("SADD", "entrance:backends:tls.example.com", _old.Url);

        await using var router = await RouterHost.StartAsync(redis.Configuration, "Entrance:RedisCaFile=" + redis.CaFile);

        Assert.Equal("old", await router.GetBodyAsync("tls.example.com"));
    }
}
