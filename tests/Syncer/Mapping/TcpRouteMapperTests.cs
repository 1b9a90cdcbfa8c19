using System.Text.Json.Nodes;
using Entrance.Syncer.Mapping;
using k8s.Models;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Mapping;

public sealed class TcpRouteMapperTests
{
    private static T Read<T>(JsonObject o) => k8s.KubernetesJson.Deserialize<T>(o.ToJsonString());

    private static TcpMappingResult Map(JsonObject[] services, JsonObject[]? slices = null) =>
        TcpRouteMapper.Map(services.Select(Read<V1Service>), (slices ?? []).Select(Read<V1EndpointSlice>));

    [Fact]
    public void Map_ServiceWithTcpPort_RouteToReadyEndpointsOfTheChosenPort()
    {
        var result = Map(
            [Service("db", "pg", null, new() { ["entrance.io/tcp-port"] = "30001", ["entrance.io/port"] = "pg" }, ("metrics", 9187), ("pg", 5432))],
            [Slice("db", "pg-1", "pg", "IPv4", [("metrics", 9187), ("pg", 5432)], new Ep("10.0.0.2"), new Ep("10.0.0.1"), new Ep("10.0.0.3", Ready: false))]);

        var route = Assert.Single(result.Routes).Value;
        Assert.Equal(30001, route.Port);
        Assert.Equal(["10.0.0.1:5432", "10.0.0.2:5432"], route.Backends);
        Assert.Equal("service/db/pg", route.Source);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Map_IPv6Endpoints_Bracketed()
    {
        var result = Map(
            [Service("db", "pg", null, new() { ["entrance.io/tcp-port"] = "30001" }, ("pg", 5432))],
            [Slice("db", "pg-1", "pg", "IPv6", [("pg", 5432)], new Ep("fd00::1"))]);

        Assert.Equal(["[fd00::1]:5432"], result.Routes[30001].Backends);
    }

    [Fact]
    public void Map_HostsAndTcpPortOnOneService_BothPublishedIndependently()
    {
        var service = Service("mq", "broker", null, new() { ["entrance.io/tcp-port"] = "31883", ["entrance.io/lb"] = "least-connections" }, ("mqtt", 1883));

        var result = Map([service], [Slice("mq", "b-1", "broker", "mqtt", 1883, new Ep("10.0.0.9"))]);

        Assert.Equal(["10.0.0.9:1883"], result.Routes[31883].Backends);
        Assert.Equal("least-connections", result.Routes[31883].Settings["lb"]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("pg")]
    public void Map_InvalidTcpPort_SkippedWithWarning(string port)
    {
        var result = Map([Service("db", "pg", null, new() { ["entrance.io/tcp-port"] = port })]);

        Assert.Empty(result.Routes);
        Assert.Contains(result.Warnings, w => w.Contains("entrance.io/tcp-port") && w.Contains("service/db/pg"));
    }

    [Fact]
    public void Map_PortClaimedTwice_FirstByNameWinsWithWarning()
    {
        var result = Map(
        [
            Service("b", "second", null, new() { ["entrance.io/tcp-port"] = "30001" }),
            Service("a", "first", null, new() { ["entrance.io/tcp-port"] = "30001" }),
        ]);

        Assert.Equal("service/a/first", result.Routes[30001].Source);
        Assert.Contains(result.Warnings, w => w.Contains("claimed by service/a/first and service/b/second"));
    }

    [Fact]
    public void Map_HttpOnlyLbOrMissingServicePort_Warned()
    {
        var result = Map(
        [
            Service("a", "p2c", null, new() { ["entrance.io/tcp-port"] = "30001", ["entrance.io/lb"] = "p2c" }),
            Service("a", "noport", null, new() { ["entrance.io/tcp-port"] = "30002", ["entrance.io/port"] = "nope" }),
        ]);

        Assert.Equal("", result.Routes[30001].Settings["lb"]);
        Assert.False(result.Routes.ContainsKey(30002));
        Assert.Contains(result.Warnings, w => w.Contains("invalid lb \"p2c\""));
        Assert.Contains(result.Warnings, w => w.Contains("has no port 'nope'"));
    }
}
