using System.Text.Json.Nodes;
using Entrance.Syncer.Mapping;
using k8s.Models;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Mapping;

/// <summary>h2c backends from the Syncer: the scheme annotation, or the Service port's appProtocol.</summary>
public sealed class BackendSchemeTests
{
    private readonly RouteMapper _mapper = new("entrance");

    private static T Read<T>(JsonObject o) => k8s.KubernetesJson.Deserialize<T>(o.ToJsonString());

    private MappingResult Map(JsonObject service, JsonObject slice) => _mapper.Map([Read<V1Service>(service)], [Read<V1EndpointSlice>(slice)], []);

    private static JsonObject WithAppProtocol(JsonObject service, string appProtocol)
    {
        service["spec"]!["ports"]![0]!["appProtocol"] = appProtocol;
        return service;
    }

    [Fact]
    public void Map_SchemeAnnotationH2c_BuildsH2cUrls()
    {
        var service = Service("shop", "grpc", "g.example.com", new() { ["entrance.io/scheme"] = "h2c" }, ("grpc", 50051));
        var slice = Slice("shop", "grpc-1", "grpc", "grpc", 50051, new Ep("10.0.0.1"));

        Assert.Equal(["h2c://10.0.0.1:50051"], Map(service, slice).Routes["g.example.com"].Backends);
    }

    [Theory]
    [InlineData("kubernetes.io/h2c")]
    [InlineData("grpc")]
    public void Map_PortAppProtocolH2cOrGrpc_BuildsH2cUrls(string appProtocol)
    {
        var service = WithAppProtocol(Service("shop", "grpc", "g.example.com", null, ("grpc", 50051)), appProtocol);
        var slice = Slice("shop", "grpc-1", "grpc", "grpc", 50051, new Ep("10.0.0.1"));

        Assert.Equal(["h2c://10.0.0.1:50051"], Map(service, slice).Routes["g.example.com"].Backends);
    }

    [Fact]
    public void Map_AnnotationAndAppProtocol_AnnotationWins()
    {
        var service = WithAppProtocol(Service("shop", "grpc", "g.example.com", new() { ["entrance.io/scheme"] = "https" }, ("grpc", 50051)), "grpc");
        var slice = Slice("shop", "grpc-1", "grpc", "grpc", 50051, new Ep("10.0.0.1"));

        Assert.Equal(["https://10.0.0.1:50051"], Map(service, slice).Routes["g.example.com"].Backends);
    }

    [Fact]
    public void Map_OtherAppProtocol_StaysHttp()
    {
        var service = WithAppProtocol(Service("shop", "web", "w.example.com", null, ("http", 80)), "kubernetes.io/ws");
        var slice = Slice("shop", "web-1", "web", "http", 8080, new Ep("10.0.0.1"));

        Assert.Equal(["http://10.0.0.1:8080"], Map(service, slice).Routes["w.example.com"].Backends);
    }
}
