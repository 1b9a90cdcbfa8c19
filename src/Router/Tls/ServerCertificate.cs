using System.Net.Security;
using System.Security.Authentication;
using Entrance.Core.Certificates;

namespace Entrance.Router.Tls;

/// <summary>
/// A certificate ready for handshakes: parsed once per cache fill into the <see cref="SslServerAuthenticationOptions"/>
/// every handshake for its names shares (chain context with intermediates, TLS 1.2/1.3, ALPN h2 and http/1.1), so a
/// cache hit does no parsing and builds nothing.
/// </summary>
public sealed class ServerCertificate
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private ServerCertificate(string name, LoadedCertificate loaded)
    {
        Name = name;
        Info = loaded.Info;
        NotAfterUnixSeconds = loaded.Info.NotAfter.ToUnixTimeSeconds();
        Options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(loaded.Leaf, loaded.Intermediates, offline: true),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = Alpn,
            ClientCertificateRequired = false,
            AllowRenegotiation = false,
        };
    }

    /// <summary>The stored name it was found under (<c>shop.example.com</c> or <c>*.example.com</c>), or <c>default</c>.</summary>
    public string Name { get; }

    public CertificateInfo Info { get; }

    public long NotAfterUnixSeconds { get; }

    public SslServerAuthenticationOptions Options { get; }

    public static ServerCertificate Create(string name, LoadedCertificate loaded) => new(name, loaded);

    /// <summary>
    /// <see cref="Create"/>, or null with <paramref name="problem"/> when no TLS context can be built from it (a key
    /// type or chain the platform refuses); <paramref name="loaded"/> is then disposed.
    /// </summary>
    public static ServerCertificate? TryCreate(string name, LoadedCertificate loaded, out string? problem)
    {
        try
        {
            problem = null;
            return new ServerCertificate(name, loaded);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException or NotSupportedException)
        {
            loaded.Dispose();
            problem = ex.Message;
            return null;
        }
    }
}
