using System.Runtime.CompilerServices;
using Entrance.Router.Metrics;
using Entrance.Router.Proxy;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Entrance.Router.ProxyProtocol;

public static class ProxyProtocolListenOptionsExtensions
{
    // Listeners already given the middleware: applying it twice (endpoint defaults and an explicit call) is harmless.
    private static readonly ConditionalWeakTable<ListenOptions, object> Applied = [];

    /// <summary>
    /// Reads a PROXY protocol header (v1/v2) on this listener before anything else, when <c>Entrance:ProxyProtocol</c>
    /// is true; otherwise adds nothing. Call before <c>UseHttps</c> so the header is read before the TLS handshake.
    /// </summary>
    public static ListenOptions UseEntranceProxyProtocol(this ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var configuration = services.GetRequiredService<IConfiguration>();
        var options = ProxyProtocolOptions.From(configuration);
        if (!options.ProxyProtocol || !Applied.TryAdd(listen, Applied))
        {
            return listen;
        }

        var trusted = services.GetService<TrustedProxies>() ?? TrustedProxies.From(configuration);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxyProtocolMiddleware).FullName!);
        if (trusted.IsEmpty)
        {
            logger.LogWarning("Entrance:ProxyProtocol is on but Entrance:TrustedProxies is empty: no peer may send a PROXY header");
        }

        var metrics = services.GetRequiredService<RouterMetrics>();
        listen.Use(next => new ProxyProtocolMiddleware(next, trusted, options.ProxyProtocolTimeout, metrics, logger).OnConnectionAsync);
        return listen;
    }
}
