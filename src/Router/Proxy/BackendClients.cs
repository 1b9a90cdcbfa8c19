using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Entrance.Router.Routing;

namespace Entrance.Router.Proxy;

/// <summary>
/// The clients that forward to backends. http:// backends use the one shared client, as before. https:// backends use a
/// client per trust mode (system store, a route's CA bundle by its hash, or no verification), shared by every route
/// with the same mode and kept in a small bounded cache, so connection pools survive cache refills.
/// </summary>
/// <remarks>
/// SocketsHttpHandler takes the TLS name (SNI and the name checked) from the Host header when one is set, and the
/// router always sends the client's Host. So these clients do TLS themselves in their connect callback, to the backend
/// URL's host, and return the authenticated SslStream, which the handler then uses as is (no TLS of its own), reading
/// the ALPN result from it: h2 or HTTP/1.1, as the backend chose.
/// </remarks>
public sealed class BackendClients(Func<SslClientAuthenticationOptions?, HttpMessageInvoker> create, ILogger<BackendClients> logger) : IDisposable
{
    /// <summary>Most TLS clients kept; beyond it the oldest is dropped (not disposed: requests in flight finish, idle connections time out).</summary>
    public const int MaxClients = 64;

    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly ConcurrentDictionary<string, byte> _unverifiedLogged = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public int Count => _clients.Count;

    /// <summary>The client for this route's https:// backends; one dictionary read at most per cache fill.</summary>
    public HttpMessageInvoker ForTls(RouteEntry route) => route.TlsClient ??= ForTls(route.Tls, route.Record.RouteName);

    /// <summary>The client for https:// backends with these trust settings (also the health prober's, so probes trust what requests trust).</summary>
    public HttpMessageInvoker ForTls(RouteTlsSettings tls, string routeName)
    {
        if (!tls.VerifyBackend && _unverifiedLogged.Count < 10_000 && _unverifiedLogged.TryAdd(routeName, 0))
        {
            logger.LogWarning("Route {Route} forwards to https:// backends WITHOUT verifying their certificates (backend_tls_verify 0)", routeName);
        }

        if (_clients.TryGetValue(tls.BackendTrustKey, out var client))
        {
            return client;
        }

        lock (_gate)
        {
            if (_clients.TryGetValue(tls.BackendTrustKey, out client))
            {
                return client;
            }

            while (_clients.Count >= MaxClients && _order.TryDequeue(out var oldest))
            {
                _clients.TryRemove(oldest, out _);
            }

            client = create(SslOptionsFor(tls));
            _clients[tls.BackendTrustKey] = client;
            _order.Enqueue(tls.BackendTrustKey);
            return client;
        }
    }

    internal static SslClientAuthenticationOptions SslOptionsFor(RouteTlsSettings tls)
    {
        var ssl = new SslClientAuthenticationOptions { ApplicationProtocols = [SslApplicationProtocol.Http11] };
        if (!tls.VerifyBackend)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (tls.BackendCa is { } ca)
        {
            // Only the route's CAs are roots; the chain policy is built once here, SslStream applies it per handshake.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(ca);
            ssl.CertificateChainPolicy = policy;
        }

        return ssl;
    }

    /// <summary>
    /// A connect callback doing TLS to the backend URL's host (SNI and name check), with <paramref name="template"/>'s
    /// trust, connecting within the route's or the global connect timeout. A connection for an HTTP/2 request offers h2
    /// and http/1.1 by ALPN (the handler follows the backend's choice); one for an HTTP/1.1 request offers only http/1.1.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> TlsConnect(SslClientAuthenticationOptions template, TimeSpan connectTimeout) =>
        async (context, cancellationToken) =>
        {
            var transport = await BackendConnect.ConnectAsync(context, connectTimeout, cancellationToken).ConfigureAwait(false);
            var offer = context.InitialRequestMessage.Version.Major >= 2 ? H2AndHttp11 : Http11Only;
            return await HandshakeAsync(transport, context.DnsEndPoint.Host, template, offer, cancellationToken).ConfigureAwait(false);
        };

    private static readonly List<SslApplicationProtocol> H2AndHttp11 = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http11Only = [SslApplicationProtocol.Http11];

    private static async Task<SslStream> HandshakeAsync(Stream transport, string host, SslClientAuthenticationOptions template, List<SslApplicationProtocol> offer, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(transport);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = offer,
            CertificateChainPolicy = template.CertificateChainPolicy,
            RemoteCertificateValidationCallback = template.RemoteCertificateValidationCallback,
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return ssl;
    }

    /// <summary>True when the failure is the backend's certificate (or TLS handshake) being refused.</summary>
    public static bool IsTlsFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
