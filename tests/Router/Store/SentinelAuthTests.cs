using Entrance.Testing;

namespace Entrance.Router.Tests.Store;

/// <summary>
/// A router on Sentinel where the data nodes require one password and the sentinels another (or an ACL user):
/// <c>password=</c> for the master, <c>sentinelPassword=</c>/<c>sentinelUser=</c> for the sentinels.
/// </summary>
public class SentinelAuthTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private TestBackend _other = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync("ok");
        _other = await TestBackend.StartAsync("other");
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _other.DisposeAsync();
    }

    [Fact]
    public async Task Router_DifferentPasswordsForSentinelsAndMaster_ResolvesRoutesAndFollowsFailover()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "sentinel-pw"));
        await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "SADD", "entrance:backends:auth.example.com", _backend.Url]);
        await using var router = await RouterHost.StartAsync(sentinel.Configuration, "Entrance:CacheTtl=00:00:30");

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("auth.example.com") == "ok", TimeSpan.FromSeconds(15), "route served once the sentinels named the master");

        // A raw write reaches the router (subscription and tracking made with the data password), well under the TTL.
        await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "DEL", "entrance:backends:auth.example.com"]);
        await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "SADD", "entrance:backends:auth.example.com", _other.Url]);
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("auth.example.com") == "other", TimeSpan.FromSeconds(10), "raw write picked up");

        // The promoted replica is reached with the same password.
        sentinel.Master.Kill();
        await Eventually.TrueAsync(async () => await sentinel.MasterPortAsync() == sentinel.Replica.Port, TimeSpan.FromSeconds(30), "replica promoted");
        await sentinel.Replica.CliAsync([.. sentinel.DataCliAuth, "SADD", "entrance:backends:after.example.com", _backend.Url]);
        await Eventually.TrueAsync(async () => await router.GetBodyAsync("after.example.com") == "ok", TimeSpan.FromSeconds(30), "route on the new master served");
    }

    [Fact]
    public async Task Router_SentinelAclUser_ResolvesRoutes()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "watch-pw", "watcher"));
        await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "SADD", "entrance:backends:acl.example.com", _backend.Url]);

        await using var router = await RouterHost.StartAsync(sentinel.Configuration);

        await Eventually.TrueAsync(async () => await router.GetBodyAsync("acl.example.com") == "ok", TimeSpan.FromSeconds(15), "route served once the sentinels named the master");
    }

    [Fact]
    public async Task Router_SentinelUserWithTheDocumentedRules_FollowsFailoverWithNothingDenied()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "watch-pw", "watcher"));
        await sentinel.AddSentinelUserAsync(DocumentedAcl.Rules("entrance-sentinel", "client-pw"));
        await sentinel.Master.CliAsync([.. sentinel.DataCliAuth, "SADD", "entrance:backends:before.example.com", _backend.Url]);

        // The shipped router (fleet lease on), with only the documented rights on the sentinels.
        await using var router = await RouterProcess.StartAsync(sentinel.Master,
            $"Entrance:Redis={sentinel.Endpoints},password=data-pw,sentinelUser=entrance-sentinel,sentinelPassword=client-pw");
        await Eventually.TrueAsync(async () => (await router.GetAsync("before.example.com")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "route served");

        sentinel.Master.Kill();
        await Eventually.TrueAsync(async () => await sentinel.MasterPortAsync() == sentinel.Replica.Port, TimeSpan.FromSeconds(30), "replica promoted");
        await sentinel.Replica.CliAsync([.. sentinel.DataCliAuth, "SADD", "entrance:backends:after.example.com", _other.Url]);
        await Eventually.TrueAsync(async () => (await router.GetAsync("after.example.com")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "route on the new master served");

        Assert.Empty(await sentinel.AclDenialsAsync());
        Assert.False(router.HasExited, router.Output);
    }

    [Fact]
    public async Task Router_WrongSentinelPassword_LogsTheRefusedStep()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "sentinel-pw"));

        await using var router = await RouterProcess.StartAsync(sentinel.Master, $"Entrance:Redis={sentinel.Endpoints},password=data-pw,sentinelPassword=not-it-4711");

        await Eventually.TrueAsync(() => Task.FromResult(router.Output.Contains("refused this router's credentials", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "credentials error logged");
        Assert.Contains($"the sentinels at 127.0.0.1:{sentinel.SentinelPorts[0]}", router.Output, StringComparison.Ordinal);
        Assert.Contains("(sentinelUser/sentinelPassword): WRONGPASS", router.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-it-4711", router.Output, StringComparison.Ordinal);
        using var response = await router.GetAsync("any.example.com");
        Assert.Equal(503, (int)response.StatusCode);
    }

    [Fact]
    public async Task Router_WrongMasterPassword_LogsTheRefusedStep()
    {
        await using var sentinel = await RedisSentinelSet.StartAsync(new SentinelAuth("data-pw", "sentinel-pw"));

        await using var router = await RouterProcess.StartAsync(sentinel.Master, $"Entrance:Redis={sentinel.Endpoints},password=not-it-4711,sentinelPassword=sentinel-pw");

        await Eventually.TrueAsync(() => Task.FromResult(router.Output.Contains("refused this router's credentials", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "credentials error logged");
        Assert.Contains($"the master 127.0.0.1:{sentinel.Master.Port} of Sentinel service 'entrance' refused the credentials (user/password): WRONGPASS", router.Output, StringComparison.Ordinal);
    }
}
