using System.Diagnostics;
using System.Net;
using System.Net.Security;
using Entrance.Router.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

public static class ForwardingServiceCollectionExtensions
{
    /// <summary>YARP's direct forwarder, one shared client for http:// and h2c:// backends, TLS clients for https://, and the proxy pipeline.</summary>
    public static IServiceCollection AddForwarding(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton(sp => CreateInvoker(sp.GetRequiredService<IOptions<EntranceOptions>>().Value, null));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EntranceOptions>>().Value;
            return new BackendClients(ssl => CreateInvoker(options, ssl), sp.GetRequiredService<ILogger<BackendClients>>());
        });
        services.AddSingleton(sp => new BackendProtocols(
            sp.GetRequiredService<HttpMessageInvoker>(),
            sp.GetRequiredService<BackendClients>(),
            sp.GetRequiredService<IOptions<EntranceOptions>>().Value.BackendTimeout));
        // Read when the app is built, so a bad CIDR ends the start (exit 2) instead of the first request.
        services.AddSingleton(sp => TrustedProxies.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => LoopGuard.From(sp.GetRequiredService<IConfiguration>()));
        services.AddOptions<HttpsRedirectOptions>()
            .BindConfiguration(HttpsRedirectOptions.Section)
            .Validate(o => o.RedirectStatus is 301 or 308, "Entrance:Tls:RedirectStatus must be 301 or 308")
            .Validate(o => o.RedirectPort is > 0 and <= 65535, "Entrance:Tls:RedirectPort must be a port (1-65535)")
            .ValidateOnStart();
        services.AddSingleton<HttpsRedirect>();
        services.AddSingleton<RequestObserver>();
        services.AddSingleton<ForwardedHeadersTransformer>();
        services.AddSingleton<ProxyPipeline>();
        return services;
    }

    /// <summary>A forwarding client; with <paramref name="tls"/>, one that does TLS itself to https:// backends (see <see cref="BackendClients"/>).</summary>
    private static HttpMessageInvoker CreateInvoker(EntranceOptions options, SslClientAuthenticationOptions? tls) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // The connect timeout is applied per request by BackendConnect (a route may set its own).
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            EnableMultipleHttp2Connections = true,
            // Trace context is forwarded as a plain header by the transformer; no Activity per request.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            ConnectCallback = tls is null
                ? (context, cancellationToken) => BackendConnect.ConnectAsync(context, options.ConnectTimeout, cancellationToken)
                : BackendClients.TlsConnect(tls, options.ConnectTimeout),
            // Header values are sent as UTF-8, as Kestrel reads them: a UTF-8 value is forwarded as it is (nginx does).
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
            ResponseHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
        }, disposeHandler: true);

    /// <summary>The proxy is the terminal step for every request on the public listener.</summary>
    public static WebApplication MapEntranceProxy(this WebApplication app)
    {
        var pipeline = app.Services.GetRequiredService<ProxyPipeline>();
        app.Run(pipeline.InvokeAsync);
        return app;
    }
}
