using System.Net.Sockets;
using Entrance.Core.Hosts;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// The request path, step by step: probe, normalise Host, resolve, pick a backend, forward.
/// Every way to fail has its own status and <c>X-Entrance-Error</c> reason.
/// </summary>
public sealed class ProxyPipeline(
    RouteCache routes,
    IHttpForwarder forwarder,
    HttpMessageInvoker client,
    ForwarderRequestConfig requestConfig,
    IOptions<EntranceOptions> options,
    ILogger<ProxyPipeline> logger)
{
    /// <summary>hipache's probe host: load balancers in front of the routers check it without touching Redis.</summary>
    public const string PingHost = "__ping__";

    private readonly ErrorPage _unknownHost = ErrorPages.UnknownHost(options.Value.UnknownHostStatus);

    public async Task InvokeAsync(HttpContext context)
    {
        var rawHost = context.Request.Headers.Host.ToString();
        if (rawHost == PingHost)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (!HostName.TryNormalize(rawHost, out var host))
        {
            await ErrorPages.WriteAsync(context, ErrorPages.InvalidHost);
            return;
        }

        RouteLookup lookup;
        try
        {
            lookup = await routes.GetAsync(host);
        }
        catch (RouteStoreUnavailableException ex)
        {
            logger.LogWarning("No route for {Host}: {Reason}", host, ex.Message);
            await ErrorPages.WriteAsync(context, ErrorPages.StoreUnavailable);
            return;
        }

        var route = lookup.Entry;
        if (route is null)
        {
            await ErrorPages.WriteAsync(context, _unknownHost);
            return;
        }

        if (route.Backends.Length == 0)
        {
            await ErrorPages.WriteAsync(context, ErrorPages.NoBackends);
            return;
        }

        var live = route.Live(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _);
        var backend = route.Policy.Pick(route, live);
        await ForwardAsync(context, backend);
    }

    private async Task ForwardAsync(HttpContext context, BackendState backend)
    {
        ForwarderError error;
        backend.Enter();
        try
        {
            error = await forwarder.SendAsync(context, backend.Url, client, requestConfig, ForwardedHeadersTransformer.Instance);
        }
        finally
        {
            backend.Leave();
        }

        if (error == ForwarderError.None || context.Response.HasStarted)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var page = Classify(error, exception);
        if (page is null)
        {
            return; // the client went away: nobody to answer
        }

        logger.LogWarning("Forwarding to {Backend} failed: {Error} {Reason}", backend.Url, error, exception?.Message);
        await ErrorPages.WriteAsync(context, page);
    }

    /// <summary>Maps a forwarding failure to the router's answer; null when the client itself gave up.</summary>
    internal static ErrorPage? Classify(ForwarderError error, Exception? exception) => error switch
    {
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.UpgradeRequestCanceled => null,
        ForwarderError.RequestTimedOut or ForwarderError.UpgradeActivityTimeout => ErrorPages.BackendTimeout,
        ForwarderError.Request when IsConnectTimeout(exception) => ErrorPages.BackendTimeout,
        ForwarderError.Request when IsConnectFailure(exception) => ErrorPages.BackendUnreachable,
        _ => ErrorPages.BackendError,
    };

    internal static bool IsConnectFailure(Exception? exception) =>
        exception is HttpRequestException { InnerException: SocketException } or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    internal static bool IsConnectTimeout(Exception? exception) =>
        exception is HttpRequestException { InnerException: TimeoutException or TaskCanceledException }
        || exception is TaskCanceledException { InnerException: TimeoutException };
}
