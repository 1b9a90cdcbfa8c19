using System.Diagnostics;
using Entrance.Router;
using Entrance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests;

/// <summary>A running router serves a change made with the CLI long before its cache TTL: the CLI publishes entrance:changed.</summary>
public class RouterPropagationTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private WebApplication _router = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");

        // Keyspace events off: they would invalidate the router's cache by themselves, and the test would pass even if
        // the CLI stopped publishing entrance:changed.
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "");

        // A 30 s cache TTL: only the invalidation can make the change visible within the bounds below.
        _router = EntranceRouter.Build(["--urls", "http://127.0.0.1:0", "--Entrance:Redis", redis.Server.Configuration, "--Entrance:CacheTtl", "00:00:30", "--Logging:LogLevel:Default", "Warning"]);
        await _router.StartAsync();
        var address = _router.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(5) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _router.StopAsync();
        await _router.DisposeAsync();
        await redis.Server.CliAsync("CONFIG", "SET", "notify-keyspace-events", "Kghlszx");
    }

    private async Task<string> GetAsync(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        using var response = await _http.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    [Fact]
    public async Task CliChanges_RunningRouterWithLongTtl_ServesThemAtOnce()
    {
        await using var blue = await TestBackend.StartAsync("blue");
        await using var green = await TestBackend.StartAsync("green");
        Assert.Equal(0, (await RunAsync(redis.Server, "route", "add", "app.example.com", blue.Url)).Exit);
        Assert.Equal("200 blue", await GetAsync("app.example.com")); // now cached for 30 s

        // Switch blue -> green with a declarative apply (one atomic replace), as a CI deploy would.
        var total = Stopwatch.StartNew();
        var run = await RunWithAsync(redis.Server, $"hosts:\n  - host: app.example.com\n    backends: [\"{green.Url}\"]\n", false, "apply", "-f", "-", "--quiet");
        var cliMs = total.Elapsed.TotalMilliseconds;
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, run.Exit);
        await Eventually.TrueAsync(async () => await GetAsync("app.example.com") == "200 green", TimeSpan.FromSeconds(5), "the router serves green well before its 30 s TTL");
        var applyMs = watch.Elapsed.TotalMilliseconds;
        var totalMs = total.Elapsed.TotalMilliseconds;

        // A hand removal of the whole host is seen too.
        Assert.Equal(0, (await RunAsync(redis.Server, "route", "remove", "app.example.com")).Exit);
        watch.Restart();
        await Eventually.TrueAsync(async () => (await GetAsync("app.example.com")).StartsWith("404", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the router forgets a removed host");
        var removeMs = watch.Elapsed.TotalMilliseconds;
        output.WriteLine($"CLI -> router propagation: after apply returned {applyMs:0.0} ms (apply run {cliMs:0.0} ms, total {totalMs:0.0} ms); after remove returned {removeMs:0.0} ms (cache TTL 30 s)");
    }
}
