using System.Diagnostics;
using System.Net;
using Entrance.Router.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

public static class ForwardingServiceCollectionExtensions
{
    /// <summary>YARP's direct forwarder, one shared client for every backend, and the proxy pipeline.</summary>
    public static IServiceCollection AddForwarding(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton(sp => CreateInvoker(sp.GetRequiredService<IOptions<EntranceOptions>>().Value));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EntranceOptions>>().Value;
            return new ForwarderRequestConfig
            {
                ActivityTimeout = options.BackendTimeout,
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
                AllowResponseBuffering = false,
            };
        });
        services.AddSingleton<RequestObserver>();
        services.AddSingleton<ForwardedHeadersTransformer>();
        services.AddSingleton<ProxyPipeline>();
        return services;
    }

    private static HttpMessageInvoker CreateInvoker(EntranceOptions options) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            EnableMultipleHttp2Connections = true,
            // Trace context is forwarded as a plain header by the transformer; no Activity per request.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        }, disposeHandler: true);

    /// <summary>The proxy is the terminal step for every request on the public listener.</summary>
    public static WebApplication MapEntranceProxy(this WebApplication app)
    {
        var pipeline = app.Services.GetRequiredService<ProxyPipeline>();
        app.Run(pipeline.InvokeAsync);
        return app;
    }
}
