using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;

namespace Entrance.Router.Proxy;

/// <summary>
/// What each https:// backend answered to ALPN: h2 or HTTP/1.1. The TLS clients do TLS in their connect callback (see
/// <see cref="BackendClients"/>), so SocketsHttpHandler cannot follow ALPN itself: it is told the version per request.
/// The first connection to a backend offers both protocols and records the choice; later requests to a backend that
/// chose h2 go as HTTP/2, the others as HTTP/1.1 (offering only http/1.1). gRPC calls always go as HTTP/2.
/// </summary>
public sealed class BackendAlpn
{
    /// <summary>Most backends remembered; past it the memory starts over (each backend then learns again, one handshake each).</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, bool> _h2 = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True once <paramref name="authority"/> (host:port) chose h2; false when it chose HTTP/1.1 or was not asked yet.</summary>
    public bool SpeaksH2(string authority) => _h2.TryGetValue(authority, out var h2) && h2;

    public bool IsKnown(string authority) => _h2.ContainsKey(authority);

    public void Record(string authority, bool h2)
    {
        if (_h2.Count >= MaxEntries)
        {
            _h2.Clear();
        }

        _h2[authority] = h2;
    }

    /// <summary>host:port as both the connect callback and <c>BackendState</c> write it (IPv6 without brackets).</summary>
    public static string Key(string host, int port) => string.Concat(host.Trim('[', ']'), ":", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string Key(DnsEndPoint endpoint) => Key(endpoint.Host, endpoint.Port);

    /// <summary>
    /// The protocols a connection for a request of <paramref name="version"/> offers to <paramref name="authority"/>:
    /// both while learning or for HTTP/2 (gRPC is always sent as HTTP/2, whatever was learnt), only http/1.1 once known.
    /// </summary>
    internal List<SslApplicationProtocol> Offer(Version version, string authority) =>
        version.Major < 2 && IsKnown(authority) ? Http11Only : Both;

    private static readonly List<SslApplicationProtocol> Http11Only = [SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Both = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
}
