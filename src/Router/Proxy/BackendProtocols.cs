using System.Net;
using Entrance.Router.Grpc;
using Entrance.Router.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// Which client and which HTTP version each backend is forwarded with: http:// as HTTP/1.1 on the shared client;
/// h2c:// as HTTP/2 with prior knowledge on the same client (the destination is written http://); https:// on the
/// route's TLS client as HTTP/2 or lower: h2 when the backend chooses it by ALPN, else HTTP/1.1.
/// A gRPC request also gets its deadline honoured when it is longer than <c>Entrance:BackendTimeout</c>.
/// </summary>
public sealed class BackendProtocols(HttpMessageInvoker client, BackendClients tlsClients, TimeSpan backendTimeout)
{
    /// <summary>HTTP/1.1, for http:// backends.</summary>
    public ForwarderRequestConfig Http11 { get; } = new()
    {
        ActivityTimeout = backendTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        AllowResponseBuffering = false,
    };

    /// <summary>HTTP/2 and nothing else: prior knowledge, for h2c:// backends.</summary>
    public ForwarderRequestConfig Http2 { get; } = new()
    {
        ActivityTimeout = backendTimeout,
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        AllowResponseBuffering = false,
    };

    /// <summary>HTTP/2 or HTTP/1.1 as ALPN settles it, for https:// backends.</summary>
    public ForwarderRequestConfig Alpn { get; } = new()
    {
        ActivityTimeout = backendTimeout,
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        AllowResponseBuffering = false,
    };

    public (HttpMessageInvoker Invoker, ForwarderRequestConfig Config) Choose(HttpContext context, RouteEntry route, BackendState backend)
    {
        var (invoker, config) = backend.IsH2c ? (client, Http2)
            : backend.IsHttps ? (tlsClients.ForTls(route), Alpn)
            : (client, Http11);
        config = route.Forwarding.RequestConfig(config); // the route's backend_timeout, before a gRPC deadline extends it
        return GrpcRequests.IsGrpc(context.Request) ? (invoker, GrpcRequests.Prepare(context, config)) : (invoker, config);
    }
}
