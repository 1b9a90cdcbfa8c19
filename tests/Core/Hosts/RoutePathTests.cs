using Entrance.Core.Hosts;

namespace Entrance.Core.Tests.Hosts;

public class RoutePathTests
{
    [Theory]
    [InlineData("shop.example.com", "shop.example.com", null)]
    [InlineData("shop.example.com/api", "shop.example.com", "/api")]
    [InlineData("*.a.com/api/v2", "*.a.com", "/api/v2")]
    [InlineData("*/health", "*", "/health")]
    public void Split_RouteName_HostAndPrefix(string name, string host, string? prefix)
    {
        Assert.Equal((host, prefix), RoutePath.Split(name));
        Assert.Equal(host, RoutePath.HostOf(name));
    }

    [Theory]
    [InlineData("/api", true)]
    [InlineData("/api/v2", true)]
    [InlineData("/API.v1-x_y~z", true)]
    [InlineData("/", false)]
    [InlineData("", false)]
    [InlineData("api", false)]
    [InlineData("/api/", false)]
    [InlineData("//api", false)]
    [InlineData("/a//b", false)]
    [InlineData("/a/../b", false)]
    [InlineData("/..", false)]
    [InlineData("/./a", false)]
    [InlineData("/a b", false)]
    [InlineData("/a?b", false)]
    [InlineData("/a#b", false)]
    [InlineData("/a%2fb", false)]
    [InlineData("/a*", false)]
    public void IsValidPrefix_Prefix_AsSchemaSays(string prefix, bool valid)
    {
        Assert.Equal(valid, RoutePath.IsValidPrefix(prefix, out var error));
        Assert.Equal(valid, error.Length == 0);
    }

    [Theory]
    [InlineData("/api", "/api", false, true)]
    [InlineData("/api/", "/api", false, true)]
    [InlineData("/api/x/y", "/api", false, true)]
    [InlineData("/apix", "/api", false, false)]
    [InlineData("/ap", "/api", false, false)]
    [InlineData("/API", "/api", false, false)]
    [InlineData("/", "/api", false, false)]
    [InlineData("/login", "/login", true, true)]
    [InlineData("/login/", "/login", true, false)]
    [InlineData("/login/x", "/login", true, false)]
    public void Matches_Path_OnSegmentBoundary(string path, string prefix, bool exact, bool matches)
    {
        Assert.Equal(matches, RoutePath.Matches(path, prefix, exact));
    }

    [Theory]
    [InlineData("shop.example.com/api", true)]
    [InlineData("*.example.com/api", true)]
    [InlineData("Shop.example.com/api", false)]
    [InlineData("shop.example.com/api/..", false)]
    [InlineData("shop.example.com/", false)]
    public void IsValidRouteName_WithPath_HostAndPrefixBothChecked(string name, bool valid)
    {
        Assert.Equal(valid, RoutePath.IsValidRouteName(name, out _));
    }
}
