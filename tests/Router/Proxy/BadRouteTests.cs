using System.Net;
using System.Text.Json;
using Entrance.Testing;
using Microsoft.Extensions.Logging;

namespace Entrance.Router.Tests.Proxy;

/// <summary>Route data written by hand with the wrong Redis type, or unusable backend URLs: a clear answer, never a 500.</summary>
public class BadRouteTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private RouterHost _router = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("b1");
        _router = await RouterHost.StartAsync(redis.Server, b => b.Logging.AddProvider(_logs));
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("SET", "entrance:backends:bad.example.com", "entrance:backends:bad.example.com is a string, expected a set")]
    [InlineData("SETTINGS-STRING", "entrance:host:bad.example.com", "entrance:host:bad.example.com is a string, expected a hash")]
    [InlineData("DEAD-LIST", "entrance:dead:bad.example.com", "entrance:dead:bad.example.com is a list, expected a zset")]
    public async Task Invoke_WrongTypeKey_502BadRouteAndReportSaysWhich(string kind, string key, string problem)
    {
        switch (kind)
        {
            case "SET":
                await redis.Server.CliAsync("SET", key, "http://127.0.0.1:1");
                break;
            case "SETTINGS-STRING":
                await redis.Server.CliAsync("SADD", "entrance:backends:bad.example.com", _backend.Url);
                await redis.Server.CliAsync("SET", key, "lb=random");
                break;
            default:
                await redis.Server.CliAsync("SADD", "entrance:backends:bad.example.com", _backend.Url);
                await redis.Server.CliAsync("RPUSH", key, _backend.Url);
                break;
        }

        for (var i = 0; i < 3; i++)
        {
            using var response = await _router.GetAsync("bad.example.com");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal("bad-route", response.Headers.GetValues("X-Entrance-Error").Single());
        }

        Assert.Equal(0, _backend.Hits);
        Assert.Single(_logs.Warnings(problem)); // once per cache fill, not per request
        using var report = JsonDocument.Parse(await _router.AdminClient.GetStringAsync("/routes/bad.example.com"));
        Assert.Equal(problem, report.RootElement.GetProperty("problem").GetString());
        Assert.Equal("bad.example.com", report.RootElement.GetProperty("routeName").GetString());
    }

    [Fact]
    public async Task Invoke_WrongTypeKeyFixed_RoutesAgainAfterInvalidation()
    {
        await redis.Server.CliAsync("SET", "entrance:backends:fix.example.com", "oops");
        using (var bad = await _router.GetAsync("fix.example.com"))
        {
            Assert.Equal("bad-route", bad.Headers.GetValues("X-Entrance-Error").Single());
        }

        await redis.Server.CliAsync("DEL", "entrance:backends:fix.example.com");
        await redis.Server.CliAsync("SADD", "entrance:backends:fix.example.com", _backend.Url);
        await redis.Server.CliAsync("PUBLISH", "entrance:changed", "fix.example.com");

        await Eventually.TrueAsync(async () => (await _router.GetAsync("fix.example.com")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "fixed route served");
    }

    [Fact]
    public async Task Invoke_WrongTypeWildcardKey_BadRouteNamesTheWildcard()
    {
        await redis.Server.CliAsync("SET", "entrance:backends:*.wild.example.com", "oops");

        using var response = await _router.GetAsync("a.wild.example.com");

        Assert.Equal("bad-route", response.Headers.GetValues("X-Entrance-Error").Single());
        var text = await _router.AdminClient.GetStringAsync("/routes/a.wild.example.com?format=text");
        Assert.Contains("problem:     entrance:backends:*.wild.example.com is a string, expected a set", text);
    }

    [Fact]
    public async Task Invoke_UnparsableBackendUrl_SkippedWithWarningAndShown()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:mixed.example.com", _backend.Url, "not a url", "ftp://x.example.com");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("b1", await _router.GetBodyAsync("mixed.example.com"));
        }

        Assert.Single(_logs.Warnings("not a url"));
        using var report = JsonDocument.Parse(await _router.AdminClient.GetStringAsync("/routes/mixed.example.com"));
        var skipped = report.RootElement.GetProperty("skippedBackends").EnumerateArray().Select(e => e.GetString()!).Order().ToArray();
        Assert.Equal(["ftp://x.example.com", "not a url"], skipped);
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("problem").ValueKind);
    }
}
