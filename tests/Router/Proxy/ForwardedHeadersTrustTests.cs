using Entrance.Testing;

namespace Entrance.Router.Tests.Proxy;

/// <summary>
/// The trust boundary for client addresses: loopback is trusted with <c>Entrance:TrustedProxies 127.0.0.1/32</c> and
/// untrusted with <c>10.0.0.0/8</c>; the backend echoes the headers it received.
/// </summary>
public sealed class ForwardedHeadersTrustTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("echo");
        await redis.Server.CliAsync("SADD", "entrance:backends:app.example.com", _backend.Url);
    }

    public Task DisposeAsync() => _backend.DisposeAsync().AsTask();

    private static async Task<Dictionary<string, string>> SendClaimsAsync(RouterHost router)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.Host = "app.example.com";
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "1.2.3.4");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=1.2.3.4;host=evil.example;proto=https");
        request.Headers.TryAddWithoutValidation("X-Real-IP", "9.9.9.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Port", "1234");
        using var response = await router.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return TestBackend.ParseHeaders(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Transform_UntrustedPeer_ClaimsDroppedRoutersOwnValues()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:TrustedProxies:0=10.0.0.0/8");

        var seen = await SendClaimsAsync(router);

        Assert.Equal("127.0.0.1", seen["X-Forwarded-For"]);
        Assert.Equal("127.0.0.1", seen["X-Real-IP"]);
        Assert.False(seen.ContainsKey("Forwarded"));
        Assert.Equal("http", seen["X-Forwarded-Proto"]);
        Assert.Equal("app.example.com", seen["X-Forwarded-Host"]);
        Assert.Equal(router.Port.ToString(), seen["X-Forwarded-Port"]);
    }

    [Fact]
    public async Task Transform_NoTrustedProxiesByDefault_ClaimsDropped()
    {
        await using var router = await RouterHost.StartAsync(redis.Server);

        var seen = await SendClaimsAsync(router);

        Assert.Equal("127.0.0.1", seen["X-Forwarded-For"]);
        Assert.False(seen.ContainsKey("Forwarded"));
    }

    [Fact]
    public async Task Transform_TrustedPeer_HeadersExtended()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:TrustedProxies:0=127.0.0.1/32");

        var seen = await SendClaimsAsync(router);

        Assert.Equal("1.2.3.4, 127.0.0.1", seen["X-Forwarded-For"]);
        Assert.Equal("for=1.2.3.4;host=evil.example;proto=https, for=127.0.0.1", seen["Forwarded"]);
        Assert.Equal("9.9.9.9", seen["X-Real-IP"]);
        Assert.Equal("https", seen["X-Forwarded-Proto"]);
        Assert.Equal("evil.example", seen["X-Forwarded-Host"]);
        Assert.Equal("1234", seen["X-Forwarded-Port"]);
    }

    [Fact]
    public async Task Transform_TrustedListAsCommaSeparatedValue_Trusted()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:TrustedProxies=10.0.0.0/8, 127.0.0.1");

        var seen = await SendClaimsAsync(router);

        Assert.Equal("1.2.3.4, 127.0.0.1", seen["X-Forwarded-For"]);
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("10.0.0.0/33")]
    public async Task Start_BadCidr_ConfigurationError(string cidr)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await RouterHost.StartAsync(redis.Server, "Entrance:TrustedProxies:0=" + cidr));

        var failure = Entrance.Hosting.Startup.StartupFailure.From(e);
        Assert.NotNull(failure);
        Assert.Equal(Entrance.Hosting.Startup.StartupFailure.ConfigurationExitCode, failure.ExitCode);
        Assert.Contains("Entrance:TrustedProxies: '" + cidr + "' is not a CIDR", failure.Message);
    }
}
