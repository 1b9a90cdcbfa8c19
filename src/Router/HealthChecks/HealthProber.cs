using Entrance.Core.Hosts;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;

namespace Entrance.Router.HealthChecks;

/// <summary>
/// Sends one probe: <c>GET &lt;backend&gt;&lt;health_path&gt;</c>, healthy on 2xx or 3xx (redirects are not followed) within
/// the timeout. The Host header is the route's host when it names one (wildcards and the catch-all leave the backend's own).
/// An https:// backend is probed through the proxy's own client for the route's trust (<c>backend_ca</c>,
/// <c>backend_tls_verify</c>; <see cref="BackendClients"/>), with the backend URL's name as SNI and checked name, so a
/// probe succeeds exactly when a request could.
/// </summary>
public sealed class HealthProber(BackendClients tlsClients) : IDisposable
{
    private readonly HttpMessageInvoker _plain = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    });

    public async Task<bool> ProbeAsync(string routeName, string backendUrl, RouteTlsSettings tls, HealthCheckSettings check, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(backendUrl.TrimEnd('/') + check.Path, UriKind.Absolute, out var uri))
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(check.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var host = HostOf(routeName);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        request.Headers.UserAgent.ParseAdd("entrance-health-check");
        var client = uri.Scheme == Uri.UriSchemeHttps ? tlsClients.ForTls(tls, routeName) : _plain;
        try
        {
            using var response = await client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    /// <summary>The Host to send for a route name: <c>shop.example.com</c> and <c>shop.example.com/api</c> → shop.example.com; wildcards, catch-all → null.</summary>
    internal static string? HostOf(string routeName)
    {
        var slash = routeName.IndexOf('/');
        var host = slash < 0 ? routeName : routeName[..slash];
        return host == HostName.CatchAll || HostName.IsWildcard(host) ? null : host;
    }

    public void Dispose() => _plain.Dispose(); // the TLS clients are the proxy's
}
