using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Entrance.Router.Configuration;
using Entrance.Testing;

namespace Entrance.Router.Tests.Tls;

/// <summary>Real TLS clients for the router's HTTPS listener: a bare handshake (which certificate, which ALPN) and HttpClient.</summary>
public static class TlsProbe
{
    /// <summary>The router's HTTPS port (its listener on https://127.0.0.1:0).</summary>
    public static int HttpsPort(this RouterHost router) =>
        new Uri(router.App.ListeningAddresses().First(a => a.StartsWith("https://", StringComparison.Ordinal))).Port;

    /// <summary>Handshakes with <paramref name="sni"/> (none when null) and returns the server's leaf and the negotiated ALPN.</summary>
    public static async Task<(X509Certificate2 Certificate, string Alpn)> HandshakeAsync(int port, string? sni, bool offerH2 = true)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var ssl = new SslStream(tcp.GetStream(), false, static (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = sni ?? string.Empty,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = offerH2 ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11] : [SslApplicationProtocol.Http11],
        }, timeout.Token);
        return (new X509Certificate2(ssl.RemoteCertificate!), ssl.NegotiatedApplicationProtocol.ToString());
    }

    /// <summary>An HttpClient that connects to 127.0.0.1:<paramref name="port"/> whatever the URL's host, with SNI = the host, trusting the test CA.</summary>
    public static HttpClient Client(int port, TestCertificates certificates) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync("127.0.0.1", port, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => certificates.IsIssuedByCa(cert as X509Certificate2 ?? (cert is null ? null : new X509Certificate2(cert))),
            },
        });

    public static async Task StoreAsync(this RedisServer redis, string name, TestCertificate certificate, bool publish = true)
    {
        await redis.Db.HashSetAsync("entrance:cert:" + name, [new("chain", certificate.ChainPem), new("key", certificate.KeyPem)]);
        if (publish)
        {
            await redis.Db.PublishAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), "cert:" + name);
        }
    }
}
