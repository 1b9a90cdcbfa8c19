using Entrance.Router.HealthChecks;

namespace Entrance.Router.Tests.HealthChecks;

public class HealthCheckSettingsTests
{
    [Fact]
    public void From_OnlyPath_Defaults()
    {
        var check = HealthCheckSettings.From(new Dictionary<string, string> { ["health_path"] = "/healthz" })!;

        Assert.Equal(new HealthCheckSettings("/healthz", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 3, 2, null), check);
    }

    [Fact]
    public void From_BadFields_DefaultsWithProblem()
    {
        var check = HealthCheckSettings.From(new Dictionary<string, string>
        {
            ["health_path"] = "/h", ["health_interval"] = "fast", ["health_fails"] = "-1", ["health_passes"] = "4", ["health_timeout"] = "10s",
        })!;

        Assert.Equal(TimeSpan.FromSeconds(5), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), check.Timeout); // never longer than the interval
        Assert.Equal(3, check.Fails);
        Assert.Equal(4, check.Passes);
        Assert.Contains("health_interval", check.Problem);
        Assert.Contains("health_fails", check.Problem);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("healthz")]
    [InlineData("/a b")]
    public void From_NoUsablePath_Null(string? path)
    {
        var settings = new Dictionary<string, string>();
        if (path is not null)
        {
            settings["health_path"] = path;
        }

        Assert.Null(HealthCheckSettings.From(settings));
    }

    [Theory]
    [InlineData("shop.example.com", "shop.example.com")]
    [InlineData("shop.example.com/api", "shop.example.com")]
    [InlineData("*.example.com", null)]
    [InlineData("*", null)]
    public void HostOf_RouteName_HostHeader(string routeName, string? host) => Assert.Equal(host, HealthProber.HostOf(routeName));
}
