using System.Net;
using System.Net.Sockets;
using Entrance.Core.Hosts;
using Entrance.Core.Schema;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.DeadBackends;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Passthrough;

/// <summary>
/// Finds the passthrough route of an SNI name through the HTTP <see cref="RouteCache"/> and connects to one of its
/// backends (the host:port of each backend URL), skipping dead ones, trying another when a connect fails and sharing
/// the dead mark through <see cref="DeadBackendReporter"/> as HTTP forwarding does.
/// </summary>
public sealed class PassthroughConnector(RouteCache routes, DeadBackendReporter deadBackends, IOptions<EntranceOptions> options, TimeProvider time, ILogger<PassthroughConnector> logger)
{
    /// <summary>Backends tried per connection before giving up (each failed one is marked dead for the next).</summary>
    public const int MaxAttempts = 3;

    private readonly TimeSpan _connectTimeout = options.Value.ConnectTimeout;

    /// <summary>The route of <paramref name="serverName"/> when its settings say <c>passthrough 1</c>; otherwise null (TLS terminates as usual).</summary>
    public async ValueTask<RouteEntry?> FindAsync(string serverName)
    {
        if (!HostName.TryNormalize(serverName, out var host))
        {
            return null;
        }

        RouteLookup lookup;
        try
        {
            lookup = await routes.GetAsync(host).ConfigureAwait(false);
        }
        catch (RouteStoreUnavailableException ex)
        {
            logger.LogDebug("Passthrough: no route for {Host}: {Reason}", host, ex.Message);
            return null;
        }

        return lookup.Entry is { } entry && IsPassthrough(entry.Record) ? entry : null;
    }

    public static bool IsPassthrough(RouteRecord record) =>
        record.Settings.TryGetValue(RedisKeys.PassthroughField, out var value) && value == "1";

    /// <summary>A connected socket to one backend of the route, or null when none answered (each failure marked dead).</summary>
    public async Task<(Socket Socket, BackendState Backend)?> ConnectAsync(RouteEntry route, CancellationToken cancellation)
    {
        List<BackendState>? tried = null;
        while ((tried is null || tried.Count < MaxAttempts) && Pick(route, tried) is { } backend)
        {
            (tried ??= []).Add(backend);
            if (!TryEndpoint(backend.Url, out var endpoint))
            {
                logger.LogWarning("Passthrough route {Route}: backend {Url} has no host:port; skipped", route.Record.RouteName, backend.Url);
                continue;
            }

            try
            {
                var timeout = route.Forwarding.ConnectTimeout ?? _connectTimeout; // the route's connect_timeout, as for HTTP
                return (await BackendConnect.ConnectSocketAsync(endpoint, timeout, cancellation).ConfigureAwait(false), backend);
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                logger.LogDebug("Passthrough to {Backend} of {Route} failed: {Reason}", backend.Url, route.Record.RouteName, ex.Message);
                deadBackends.Report(route, backend, ex is TimeoutException ? DeadReason.ConnectTimeout : DeadReason.ConnectFailure);
            }
        }

        return null;
    }

    /// <summary>host:port of a backend URL (the scheme's default port when it names none).</summary>
    public static bool TryEndpoint(string url, out EndPoint endpoint)
    {
        endpoint = null!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.Port <= 0)
        {
            return false;
        }

        var host = uri.Host.Trim('[', ']');
        endpoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, uri.Port) : new DnsEndPoint(host, uri.Port);
        return true;
    }

    private BackendState? Pick(RouteEntry route, List<BackendState>? tried)
    {
        var live = route.Live(time.GetUtcNow().ToUnixTimeMilliseconds(), out _);
        if (tried is null)
        {
            return live.Length == 0 ? null : route.Policy.Pick(route, live);
        }

        // Live backends not tried yet first; when they are exhausted, the rest (dead marks can be wrong).
        var untried = Untried(live, tried) ?? Untried(route.Backends, tried);
        return untried is null ? null : route.Policy.Pick(route, untried);
    }

    private static BackendState[]? Untried(BackendState[] candidates, List<BackendState> tried)
    {
        var left = candidates.Where(b => !tried.Contains(b)).ToArray();
        return left.Length == 0 ? null : left;
    }
}
