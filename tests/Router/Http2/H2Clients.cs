using System.Net;
using System.Net.Sockets;
using Entrance.Router.Configuration;
using Entrance.Testing.Grpc;
using Grpc.Net.Client;

namespace Entrance.Router.Tests.Http2;

/// <summary>Real HTTP/2 clients for a router: gRPC channels and HttpClients over h2c (prior knowledge) or TLS (ALPN h2).</summary>
internal static class H2Clients
{
    /// <summary>The router's h2c listener: the last http:// address (the plain listener is bound first).</summary>
    public static int H2cPort(this RouterHost router) =>
        new Uri(router.App.ListeningAddresses().Last(a => a.StartsWith("http://", StringComparison.Ordinal))).Port;

    public static int TlsPort(this RouterHost router) =>
        new Uri(router.App.ListeningAddresses().First(a => a.StartsWith("https://", StringComparison.Ordinal))).Port;

    /// <summary>
    /// A handler that connects to 127.0.0.1:<paramref name="port"/> whatever the URL's host (so :authority and SNI carry
    /// the route's name) and accepts the router's certificate (the TLS tests check certificates).
    /// </summary>
    public static SocketsHttpHandler Handler(int port) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        EnableMultipleHttp2Connections = true,
        ConnectCallback = async (_, token) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port, token);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    };

    /// <param name="tls">True: https:// to the router's TLS listener (h2 by ALPN); false: http:// to its h2c listener.</param>
    public static GrpcChannel Channel(RouterHost router, string host, bool tls)
    {
        var port = tls ? router.TlsPort() : router.H2cPort();
        return GrpcChannel.ForAddress($"{(tls ? "https" : "http")}://{host}:{port}", new GrpcChannelOptions { HttpHandler = Handler(port), DisposeHttpClient = true });
    }

    public static Echo.EchoClient Echo(RouterHost router, string host, bool tls) => new(Channel(router, host, tls));

    /// <summary>An HttpClient that speaks HTTP/2 only, to the h2c or the TLS listener.</summary>
    public static HttpClient Http2Client(RouterHost router, bool tls)
    {
        var port = tls ? router.TlsPort() : router.H2cPort();
        return new HttpClient(Handler(port))
        {
            BaseAddress = new Uri($"{(tls ? "https" : "http")}://router.test:{port}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }
}
