using System.Net;
using Entrance.Router.Grpc;
using Entrance.Router.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// Which client and which HTTP version each backend is forwarded with: http:// as HTTP/1.1 on the shared client;
/// h2c:// as HTTP/2 with prior knowledge on the same client (the destination is written http://); https:// on the
/// route's TLS client, as HTTP/2 once the backend chose h2 through ALPN, else HTTP/1.1 (see <see cref="BackendAlpn"/>),
/// and always as HTTP/2 for gRPC, which needs it.
/// A gRPC request also gets its deadline honoured when it is longer than <c>Entrance:BackendTimeout</c>.
/// </summary>
public sealed class BackendProtocols(HttpMessageInvoker client, BackendClients tlsClients, BackendAlpn alpn, TimeSpan backendTimeout)
{
    /// <summary>HTTP/1.1 (also for https:// backends that chose it).</summary>
    public ForwarderRequestConfig Http11 { get; } = new()
    {
        ActivityTimeout = backendTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        AllowResponseBuffering = false,
    };

    /// <summary>HTTP/2 and nothing else: prior knowledge on cleartext, the ALPN choice already made on TLS.</summary>
    public ForwarderRequestConfig Http2 { get; } = new()
    {
        ActivityTimeout = backendTimeout,
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        AllowResponseBuffering = false,
    };

    public (HttpMessageInvoker Invoker, ForwarderRequestConfig Config) Choose(HttpContext context, RouteEntry route, BackendState backend)
    {
        var grpc = GrpcRequests.IsGrpc(context.Request);
        var (invoker, config) = backend.IsH2c ? (client, Http2)
            : backend.IsHttps ? (tlsClients.ForTls(route), grpc || alpn.SpeaksH2(backend.AlpnKey!) ? Http2 : Http11)
            : (client, Http11);
        return grpc ? (invoker, GrpcRequests.Prepare(context, config)) : (invoker, config);
    }
}
