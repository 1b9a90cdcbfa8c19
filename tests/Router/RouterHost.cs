using Entrance.Hosting.Admin;
using Entrance.Router.Configuration;
using Entrance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Entrance.Router.Tests;

/// <summary>The real router app (same composition as Program) on a free loopback port, against a real redis-server.</summary>
public sealed class RouterHost : IAsyncDisposable
{
    private RouterHost(WebApplication app, string url, string? adminUrl)
    {
        App = app;
        Url = url;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        AdminUrl = adminUrl;
        AdminClient = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(adminUrl ?? "http://127.0.0.1:9/") };
    }

    public WebApplication App { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public string Url { get; }

    public int Port => new Uri(Url).Port;

    public HttpClient Client { get; }

    /// <summary>The admin listener (http://127.0.0.1:port), or null when a test turned it off.</summary>
    public string? AdminUrl { get; }

    /// <summary>A client for the admin listener.</summary>
    public HttpClient AdminClient { get; }

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<RouterHost> StartAsync(RedisServer redis, params string[] settings) =>
        await StartAsync(redis.Configuration, null, settings);

    public static async Task<RouterHost> StartAsync(RedisServer redis, Action<WebApplicationBuilder> configure, params string[] settings) =>
        await StartAsync(redis.Configuration, configure, settings);

    public static async Task<RouterHost> StartAsync(string redisConfiguration, params string[] settings) =>
        await StartAsync(redisConfiguration, null, settings);

    /// <summary>Starts a router; <paramref name="settings"/> are extra <c>Key=Value</c> configuration pairs.</summary>
    public static async Task<RouterHost> StartAsync(string redisConfiguration, Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        // The admin listener on a free port too (parallel routers would collide on 8081); no access log unless a test asks.
        // No inline socket completions: the switch is process-wide and would put the tests' own sockets on the event
        // threads; RouterProcess runs the router as shipped, inline.
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0", "--Entrance:Redis", redisConfiguration, "--Serilog:MinimumLevel:Default", "Warning",
            "--Entrance:AdminUrls", "http://127.0.0.1:0", "--Entrance:AccessLog:Output", "off",
            "--Entrance:Transport:InlineCompletions", "false",
            // No fleet lease: its renewals are EVALSHA calls that tests counting lookups would see; fleet tests turn it on.
            "--Entrance:Fleet:Enabled", "false",
        };
        foreach (var pair in settings)
        {
            var eq = pair.IndexOf('=');
            args.Add("--" + pair[..eq]);
            args.Add(pair[(eq + 1)..]);
        }

        var app = EntranceRouter.Build([.. args], configure);
        await app.StartAsync();
        var admin = app.Services.GetRequiredService<AdminServer>().Addresses.FirstOrDefault()?.TrimEnd('/');
        return new RouterHost(app, app.ListeningAddresses().First().TrimEnd('/'), admin);
    }

    /// <summary>The router's invalidation listener (subscription, keyspace check, CLIENT TRACKING).</summary>
    public Entrance.Router.Invalidation.InvalidationListener Invalidation =>
        Service<IEnumerable<Microsoft.Extensions.Hosting.IHostedService>>().OfType<Entrance.Router.Invalidation.InvalidationListener>().Single();

    /// <summary>
    /// Waits until CLIENT TRACKING is registered. Its registration refreshes every cached answer, so a test that counts
    /// Redis reads or relies on one cached entry starts after it.
    /// </summary>
    public Task WaitForTrackingAsync() =>
        Eventually.TrueAsync(() => Task.FromResult(Invalidation.Tracking), TimeSpan.FromSeconds(15), "CLIENT TRACKING registered");

    /// <summary>Waits until the router's invalidation subscription is live, seen from Redis.</summary>
    public static Task WaitForSubscriberAsync(RedisServer redis, int subscribers = 1) =>
        Eventually.TrueAsync(async () =>
        {
            var reply = await redis.CliAsync("PUBSUB", "NUMSUB", "entrance:changed");
            var lines = reply.Split('\n');
            return lines.Length >= 2 && int.Parse(lines[1]) >= subscribers;
        }, TimeSpan.FromSeconds(15), "router subscribed to entrance:changed");

    public async Task<HttpResponseMessage> GetAsync(string host, string path = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        return await Client.SendAsync(request);
    }

    public async Task<string> GetBodyAsync(string host, string path = "/")
    {
        using var response = await GetAsync(host, path);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        AdminClient.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
