using System.Text.Json;
using Entrance.Testing;

namespace Entrance.Router.Tests.Admin;

/// <summary><c>/routes/&lt;host&gt;</c> shows a route's settings and how this router reads its sticky and health-check fields.</summary>
public class RouteReportSettingsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Routes_StickyAndHealthSettings_ShownParsed()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:rs.example.com", "http://127.0.0.1:9");
        await redis.Server.CliAsync("HSET", "entrance:host:rs.example.com", "sticky", "pin", "sticky_on", "JSESSIONID", "health_path", "/healthz", "health_interval", "2s", "health_fails", "zero");
        await using var router = await RouterHost.StartAsync(redis.Server);

        var json = JsonDocument.Parse(await router.AdminClient.GetStringAsync("/routes/rs.example.com")).RootElement;
        var text = await router.AdminClient.GetStringAsync("/routes/rs.example.com?format=text");

        Assert.Equal("/healthz", json.GetProperty("settings").GetProperty("health_path").GetString());
        var sticky = json.GetProperty("sticky");
        Assert.Equal("pin", sticky.GetProperty("cookie").GetString());
        Assert.Equal("JSESSIONID", sticky.GetProperty("pinOnCookie").GetString());
        var health = json.GetProperty("healthCheck");
        Assert.Equal(2000, health.GetProperty("intervalMs").GetInt64());
        Assert.Equal(3, health.GetProperty("fails").GetInt32()); // "zero" is refused: the default, said so
        Assert.Contains("health_fails", health.GetProperty("problem").GetString());
        Assert.Contains("sticky:      cookie pin, once the app sets JSESSIONID", text);
        Assert.Contains("health:      GET /healthz every 2000 ms", text);
    }
}
