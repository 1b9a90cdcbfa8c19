using System.Net;
using Entrance.Router.Sticky;
using Entrance.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Entrance.Router.Tests.Sticky;

/// <summary>Sticky sessions through a real router to real backends: pin, keep, re-pin when the pinned backend is gone; gorouter's sticky_on.</summary>
public class StickySessionTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend[] _backends = [];
    private RouterHost _router = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backends = await TestBackend.StartManyAsync("b1", "b2", "b3");
        _router = await RouterHost.StartAsync(redis.Server, "Entrance:Sticky:Secret=test-secret");
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task Forward_StickyRoute_SameBackendFor100RequestsThenRepinnedWhenItDies()
    {
        await AddRouteAsync("s.example.com", ("sticky", "1"));

        var (first, cookie) = await SendAsync("s.example.com", null);
        Assert.NotNull(cookie);
        Assert.StartsWith("entrance_sticky=", cookie);
        Assert.Contains("HttpOnly", cookie);
        Assert.Contains("SameSite=Lax", cookie);
        Assert.DoesNotContain("Secure", cookie); // plain HTTP
        var value = cookie.Split(';')[0];
        foreach (var b in _backends)
        {
            Assert.DoesNotContain(b.Port.ToString(), value); // opaque: never the address
        }

        for (var i = 0; i < 100; i++)
        {
            var (body, again) = await SendAsync("s.example.com", value);
            Assert.Equal(first, body);
            Assert.Null(again); // kept: no new cookie
        }

        var pinned = _backends.Single(b => b.Name == first);
        await pinned.StopAsync();

        var (moved, repin) = await SendAsync("s.example.com", value);
        Assert.NotEqual(first, moved);
        Assert.NotNull(repin);
        var newValue = repin.Split(';')[0];
        Assert.NotEqual(value, newValue);
        for (var i = 0; i < 20; i++)
        {
            var (body, _) = await SendAsync("s.example.com", newValue);
            Assert.Equal(moved, body);
        }
    }

    [Fact]
    public async Task Forward_PinnedBackendMarkedDead_RepinnedWithoutError()
    {
        await AddRouteAsync("d.example.com", ("sticky", "app_pin"));
        var (first, cookie) = await SendAsync("d.example.com", null);
        Assert.StartsWith("app_pin=", cookie);
        var pinnedUrl = _backends.Single(b => b.Name == first).Url;
        var until = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000;
        await redis.Server.CliAsync("ZADD", "entrance:dead:d.example.com", until.ToString(), pinnedUrl);
        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "d.example.com");

        await Eventually.TrueAsync(async () => (await SendAsync("d.example.com", cookie!.Split(';')[0])).Body != first, TimeSpan.FromSeconds(10), "re-pinned off the dead backend");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "d.example.com";
        request.Headers.Add("Cookie", cookie!.Split(';')[0]);
        using var response = await _router.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("app_pin=", response.Headers.GetValues("Set-Cookie").Single());
    }

    [Fact]
    public async Task Forward_CookieFromOneRouter_HonouredByAnotherWithTheSameSecret()
    {
        await using var other = await RouterHost.StartAsync(redis.Server, "Entrance:Sticky:Secret=test-secret");
        await AddRouteAsync("x.example.com", ("sticky", "1"));
        var (first, cookie) = await SendAsync("x.example.com", null);

        for (var i = 0; i < 30; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = "x.example.com";
            request.Headers.Add("Cookie", cookie!.Split(';')[0]);
            using var response = await other.Client.SendAsync(request);
            Assert.Equal(first, await response.Content.ReadAsStringAsync());
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
    }

    [Fact]
    public async Task Forward_StickyOn_PinsOnlyOnceTheAppSetsItsSessionCookie()
    {
        await AddRouteAsync("j.example.com", ("sticky_on", "JSESSIONID"));

        for (var i = 0; i < 5; i++)
        {
            var (_, none) = await SendAsync("j.example.com", null);
            Assert.Null(none); // no app session yet: no pin
        }

        using var login = new HttpRequestMessage(HttpMethod.Get, "/cookie/JSESSIONID");
        login.Headers.Host = "j.example.com";
        using var response = await _router.Client.SendAsync(login);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith("JSESSIONID="));
        var pin = Assert.Single(cookies, c => c.StartsWith("entrance_sticky="));
        var served = await response.Content.ReadAsStringAsync();

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(served, (await SendAsync("j.example.com", pin.Split(';')[0])).Body);
        }
    }

    [Fact]
    public void TryGetCookie_AmongOthers_FindsExactName()
    {
        var headers = new StringValues(["a=1; entrance_stickyx=no", " entrance_sticky=abc ;b=2"]);

        Assert.True(StickySessions.TryGetCookie(headers, "entrance_sticky", out var value));
        Assert.Equal("abc", value.ToString());
        Assert.False(StickySessions.TryGetCookie(new StringValues("x=1"), "entrance_sticky", out _));
    }

    [Fact]
    public void CookieHeader_OverHttps_Secure()
    {
        var context = new DefaultHttpContext();
        context.Request.IsHttps = true;
        var sticky = new StickySettings("pin", null, "/api", null);

        var header = _router.Service<StickySessions>().CookieHeader(context, sticky, "tok");

        Assert.Equal("pin=tok; Path=/api; HttpOnly; SameSite=Lax; Secure", header);
    }

    private async Task AddRouteAsync(string host, params (string Field, string Value)[] settings)
    {
        await redis.Server.CliAsync(["SADD", $"entrance:backends:{host}", .. _backends.Select(b => b.Url)]);
        foreach (var (field, value) in settings)
        {
            await redis.Server.CliAsync("HSET", $"entrance:host:{host}", field, value);
        }

        await redis.Server.CliAsync("PUBLISH", "entrance:changed", host);
    }

    private async Task<(string Body, string? SetCookie)> SendAsync(string host, string? cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", "other=1; " + cookie);
        }

        using var response = await _router.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Single() : null;
        return (await response.Content.ReadAsStringAsync(), setCookie);
    }
}
