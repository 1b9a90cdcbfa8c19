using System.Text.Json.Nodes;
using k8s.Models;
using Entrance.Syncer.Mapping;
using Entrance.Syncer.Tests.Fakes;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Mapping;

public class RouteMapperTests
{
    private readonly RouteMapper _mapper = new("entrance");

    private static T Read<T>(JsonObject o) => k8s.KubernetesJson.Deserialize<T>(o.ToJsonString());

    private MappingResult Map(JsonObject[] services, JsonObject[]? slices = null, JsonObject[]? ingresses = null) =>
        _mapper.Map(services.Select(Read<V1Service>), (slices ?? []).Select(Read<V1EndpointSlice>), (ingresses ?? []).Select(Read<V1Ingress>));

    [Fact]
    public void Map_ServiceWithHostsAnnotation_PublishesEveryHostWithReadyEndpoints()
    {
        var result = Map(
            [Service("shop", "web", "Shop.Example.com, *.shop.example.com.")],
            [Slice("shop", "web-1", "web", "http", 8080, new Ep("10.0.0.2"), new Ep("10.0.0.1", Ready: null))]);

        Assert.Equal(["*.shop.example.com", "shop.example.com"], result.Routes.Keys.Order());
        Assert.Equal(["http://10.0.0.1:8080", "http://10.0.0.2:8080"], result.Routes["shop.example.com"].Backends);
        Assert.Equal("service/shop/web", result.Routes["shop.example.com"].Settings["source"]);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Map_NotReadyAndTerminatingEndpoints_AreExcluded()
    {
        var result = Map(
            [Service("shop", "web", "a.example.com")],
            [Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1"), new Ep("10.0.0.2", Ready: false), new Ep("10.0.0.3", Ready: true, Terminating: true))]);

        Assert.Equal(["http://10.0.0.1:80"], result.Routes["a.example.com"].Backends);
    }

    [Fact]
    public void Map_NoReadyEndpoint_PublishesHostDeclaredWithoutBackends()
    {
        var result = Map([Service("shop", "web", "a.example.com")], [Slice("shop", "web-1", "web", "http", 80, new Ep("10.0.0.1", Ready: false))]);

        Assert.Empty(result.Routes["a.example.com"].Backends);
        Assert.Equal("service/shop/web", result.Routes["a.example.com"].Settings["source"]);
    }

    [Fact]
    public void Map_PortAnnotationByName_UsesSlicePortWithThatName()
    {
        var service = Service("shop", "web", "a.example.com", new() { ["entrance.io/port"] = "admin" }, ("http", 80), ("admin", 9000));
        var slice = Slice("shop", "web-1", "web", "IPv4", [("http", 8080), ("admin", 9090)], new Ep("10.0.0.1"));

        var result = Map([service], [slice]);

        Assert.Equal(["http://10.0.0.1:9090"], result.Routes["a.example.com"].Backends);
    }

    [Fact]
    public void Map_PortAnnotationByNumberAndHttpsScheme_BuildsHttpsUrls()
    {
        var service = Service("shop", "web", "a.example.com", new() { ["entrance.io/port"] = "443", ["entrance.io/scheme"] = "https", ["entrance.io/lb"] = "round-robin" }, ("http", 80), ("tls", 443));
        var slice = Slice("shop", "web-1", "web", "IPv4", [("http", 8080), ("tls", 8443)], new Ep("10.0.0.1"));

        var host = Map([service], [slice]).Routes["a.example.com"];

        Assert.Equal(["https://10.0.0.1:8443"], host.Backends);
        Assert.Equal("round-robin", host.Settings["lb"]);
    }

    [Fact]
    public void Map_UnnamedSinglePort_MatchesUnnamedSlicePort()
    {
        var result = Map([Service("shop", "web", "a.example.com", null, (null, 80))], [Slice("shop", "web-1", "web", null, 3000, new Ep("10.0.0.1"))]);

        Assert.Equal(["http://10.0.0.1:3000"], result.Routes["a.example.com"].Backends);
    }

    [Fact]
    public void Map_Ipv6Slice_BracketsAddresses()
    {
        var slice = Slice("shop", "web-6", "web", "IPv6", [("http", 8080)], new Ep("fd00::1"));

        var result = Map([Service("shop", "web", "a.example.com")], [slice]);

        Assert.Equal(["http://[fd00::1]:8080"], result.Routes["a.example.com"].Backends);
    }

    [Fact]
    public void Map_SlicesOfOtherServicesOrNamespaces_AreIgnored()
    {
        var result = Map(
            [Service("shop", "web", "a.example.com")],
            [Slice("shop", "api-1", "api", "http", 80, new Ep("10.0.0.9")), Slice("other", "web-1", "web", "http", 80, new Ep("10.0.0.8"))]);

        Assert.Empty(result.Routes["a.example.com"].Backends);
    }

    [Fact]
    public void Map_InvalidHostOrUnknownPortOrScheme_WarnsAndSkips()
    {
        var result = Map(
        [
            Service("shop", "bad-host", "ok.example.com, -bad-.example.com"),
            Service("shop", "bad-port", "p.example.com", new() { ["entrance.io/port"] = "nope" }),
            Service("shop", "bad-scheme", "s.example.com", new() { ["entrance.io/scheme"] = "ftp" }),
        ]);

        Assert.Equal(["ok.example.com"], result.Routes.Keys);
        Assert.Equal(3, result.Warnings.Count);
        Assert.Contains(result.Warnings, w => w.Contains("-bad-.example.com"));
        Assert.Contains(result.Warnings, w => w.Contains("'nope'"));
        Assert.Contains(result.Warnings, w => w.Contains("ftp"));
    }

    [Fact]
    public void Map_ServiceWithoutAnnotation_PublishesNothing()
    {
        Assert.Empty(Map([Service("shop", "web", null)]).Routes);
    }

    [Fact]
    public void Map_IngressOfOurClass_PublishesRootPathRulesByPortNumberAndName()
    {
        var ingress = Ingress("shop", "ing", "entrance",
            new Rule("www.example.com", "web", 80),
            new Rule("api.example.com", "web", "admin", PathType: "ImplementationSpecific"));

        var result = Map(
            [Service("shop", "web", null, null, ("http", 80), ("admin", 9000))],
            [Slice("shop", "web-1", "web", "IPv4", [("http", 8080), ("admin", 9090)], new Ep("10.0.0.1"))],
            [ingress]);

        Assert.Equal(["http://10.0.0.1:8080"], result.Routes["www.example.com"].Backends);
        Assert.Equal(["http://10.0.0.1:9090"], result.Routes["api.example.com"].Backends);
        Assert.Equal("ingress/shop/ing", result.Routes["www.example.com"].Source);
    }

    [Fact]
    public void Map_IngressOtherClassOrUnroutablePath_IsSkippedWithOneWarningPerPath()
    {
        var result = Map(
            [Service("shop", "web", null)],
            [],
            [
                Ingress("shop", "nginx", "nginx", new Rule("n.example.com", "web", 80)),
                Ingress("shop", "paths", "entrance", new Rule("p.example.com", "web", 80, Path: "/a/../b"), new Rule("e.example.com", "web", 80, PathType: "Exact")),
            ]);

        Assert.Empty(result.Routes);
        Assert.Equal(2, result.Warnings.Count);
        Assert.Contains(result.Warnings, w => w.Contains("path '/a/../b'") && w.Contains(".. segment"));
        Assert.Contains(result.Warnings, w => w.Contains("Exact /"));
    }

    [Fact]
    public void Map_IngressPrefixAndExactPaths_BecomePathRoutes()
    {
        var ingress = Ingress("shop", "ing", "entrance",
            new Rule("shop.example.com", "web", 80),
            new Rule("shop.example.com", "web", "admin", Path: "/api/"),
            new Rule("shop.example.com", "web", "admin", Path: "/login", PathType: "Exact"),
            new Rule("shop.example.com", "web", 80, Path: "/Docs", PathType: "ImplementationSpecific"));

        var result = Map(
            [Service("shop", "web", null, null, ("http", 80), ("admin", 9000))],
            [Slice("shop", "web-1", "web", "IPv4", [("http", 8080), ("admin", 9090)], new Ep("10.0.0.1"))],
            [ingress]);

        Assert.Equal(["http://10.0.0.1:8080"], result.Routes["shop.example.com"].Backends);
        Assert.Equal(["http://10.0.0.1:9090"], result.Routes["shop.example.com/api"].Backends); // Prefix /api/ is /api
        Assert.Equal(string.Empty, result.Routes["shop.example.com/api"].Settings["path_exact"]);
        Assert.Equal("1", result.Routes["shop.example.com/login"].Settings["path_exact"]);
        Assert.True(result.Routes.ContainsKey("shop.example.com/Docs")); // paths keep their case
        Assert.False(result.Routes["shop.example.com"].Settings.ContainsKey("path_exact"));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Map_HostClaimedByServiceAndIngress_ServiceWinsWithWarning()
    {
        var result = Map(
            [Service("shop", "web", "a.example.com")],
            [],
            [Ingress("shop", "ing", "entrance", new Rule("a.example.com", "web", 80))]);

        Assert.Equal("service/shop/web", result.Routes["a.example.com"].Source);
        Assert.Single(result.Warnings);
    }

    [Fact]
    public void Map_IngressToMissingService_PublishesHostWithoutBackends()
    {
        var result = Map([], [], [Ingress("shop", "ing", "entrance", new Rule("a.example.com", "gone", 80))]);

        Assert.Empty(result.Routes["a.example.com"].Backends);
        Assert.Single(result.Warnings);
    }
}
