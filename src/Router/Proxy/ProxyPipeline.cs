using System.Diagnostics;
using System.Net.Sockets;
using Entrance.Core.Hosts;
using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.DeadBackends;
using Entrance.Router.Outliers;
using Entrance.Router.Routing;
using Entrance.Router.Sticky;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// The request path, step by step: probe, normalise Host, resolve, pick a backend, forward, retry elsewhere when
/// the request could not be sent. Every way to fail has its own status and <c>X-Entrance-Error</c> reason.
/// Each step notes what it learnt on the request's <see cref="ProxyRequest"/>; <see cref="RequestObserver"/> turns those
/// facts into metrics, the access log and debug headers when the request ends.
/// </summary>
public sealed class ProxyPipeline(
    RouteCache routes,
    IHttpForwarder forwarder,
    BackendProtocols protocols,
    ForwardedHeadersTransformer transformer,
    RequestObserver observer,
    DeadBackendReporter deadBackends,
    OutlierDetector outliers,
    StickySessions sticky,
    HttpsRedirect httpsRedirect,
    LoopGuard loops,
    TrustedProxies trusted,
    IOptions<EntranceOptions> options,
    TimeProvider time,
    ILogger<ProxyPipeline> logger)
{
    /// <summary>hipache's probe host: load balancers in front of the routers check it without touching Redis.</summary>
    public const string PingHost = "__ping__";

    private readonly ErrorPage _unknownHost = ErrorPages.UnknownHost(options.Value.UnknownHostStatus);
    private readonly ErrorPage _overBudget = ErrorPages.LookupBudget(options.Value.LookupBudget.RetryAfterSeconds);
    private readonly int _retries = Math.Max(0, options.Value.Retries);

    public async Task InvokeAsync(HttpContext context)
    {
        var rawHost = context.Request.Headers.Host.ToString();
        if (rawHost == PingHost)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return; // probes are neither counted nor logged: they would drown the real traffic
        }

        var request = observer.Start(context);
        try
        {
            await RouteAsync(context, request, rawHost);
        }
        catch when (!context.Response.HasStarted)
        {
            request.Error = "exception";
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            observer.Finish(context, request);
        }
    }

    private async Task RouteAsync(HttpContext context, ProxyRequest request, string rawHost)
    {
        if (ClientMistakes.IsRefusedConnect(context))
        {
            await FailAsync(context, request, ErrorPages.MethodNotAllowed); // no tunnels: answered before any lookup
            return;
        }

        if (!HostName.TryNormalize(rawHost, out var host))
        {
            await FailAsync(context, request, ErrorPages.InvalidHost);
            return;
        }

        if (loops.HasLooped(context.Request, host))
        {
            request.Host = host;
            await FailAsync(context, request, ErrorPages.LoopDetected);
            return;
        }

        request.Host = host;
        RouteLookup lookup;
        try
        {
            // Misses are charged to the real client: behind a trusted HTTP load balancer, not to the balancer's address.
            lookup = await routes.GetAsync(host, trusted.ReportedClient(context.Connection.RemoteIpAddress, context.Request.Headers["X-Forwarded-For"]));
        }
        catch (RouteStoreUnavailableException ex)
        {
            logger.LogDebug("No route for {Host}: {Reason}", host, ex.Message);
            await FailAsync(context, request, ErrorPages.StoreUnavailable);
            return;
        }

        var route = lookup.Entry;
        request.CacheSource = lookup.Source;
        if (lookup.Source == RouteLookupSource.OverBudget)
        {
            await FailAsync(context, request, _overBudget);
            return;
        }
        if (route is null)
        {
            request.NotFound = true;
            await FailAsync(context, request, _unknownHost);
            return;
        }

        route = PathRoutes.Select(context, route, out var unstripped);

        request.RouteName = route.Record.RouteName;
        request.MatchedKey = route.Record.MatchedKey;
        if (route.Record.Problem is not null)
        {
            await FailAsync(context, request, ErrorPages.BadRoute); // logged once per cache fill by the cache
            return;
        }

        var tls = route.Tls;
        if (tls != RouteTlsSettings.None)
        {
            var secure = httpsRedirect.IsSecure(context);
            if (tls.HttpsRedirect && !secure && !HttpsRedirect.IsAcmeChallenge(context.Request))
            {
                httpsRedirect.Write(context);
                return;
            }

            request.Hsts = secure ? tls.Hsts : null; // RFC 6797: never over plain HTTP
        }

        if (route.Backends.Length == 0)
        {
            await FailAsync(context, request, ErrorPages.NoBackends);
            return;
        }

        if (!RequestBodyLimit.Apply(context, route.Forwarding))
        {
            await FailAsync(context, request, ErrorPages.BodyTooLarge);
            return;
        }

        try
        {
            await ForwardAsync(context, request, route);
        }
        finally
        {
            PathRoutes.Restore(context, unstripped);
        }
    }

    private static Task FailAsync(HttpContext context, ProxyRequest request, ErrorPage page)
    {
        request.Error = page.Reason;
        return ErrorPages.WriteAsync(context, page, request.Hsts);
    }

    private async Task ForwardAsync(HttpContext context, ProxyRequest request, RouteEntry route)
    {
        List<BackendState>? tried = null;
        for (var attempt = 0; ; attempt++)
        {
            var backend = Pick(context, route, tried);
            if (backend is null)
            {
                // Every backend tried, or (first attempt) every registration expired.
                await FailAsync(context, request, tried is null ? ErrorPages.NoBackends : ErrorPages.BackendUnreachable);
                return;
            }

            if (route.Sticky.Enabled)
            {
                sticky.Sending(context, route, backend);
            }

            ForwarderError error;
            request.BackendUrl = backend.Url;
            var sentAt = Stopwatch.GetTimestamp();
            if (request.BackendStartedAt == 0)
            {
                request.BackendStartedAt = sentAt;
            }

            backend.Enter();
            try
            {
                var (invoker, config) = protocols.Choose(context, route, backend);
                error = await forwarder.SendAsync(context, backend.ForwardPrefix, invoker, config, route.Forwarding.Transformer(transformer));
            }
            finally
            {
                backend.Leave();
                request.BackendTicks += Stopwatch.GetTimestamp() - sentAt;
            }

            outliers.Record(route, backend, error, context.Response.StatusCode, context.RequestAborted.IsCancellationRequested);

            if (error == ForwarderError.None)
            {
                var response = context.Response;
                if (DeadBackendReporter.IsDeadStatus(response.StatusCode, response.Headers.ContainsKey(HeaderNames.RetryAfter)))
                {
                    deadBackends.Report(route, backend, DeadReason.GatewayStatus);
                }

                return;
            }

            if (context.Response.HasStarted)
            {
                request.Error = ErrorPages.BackendError.Reason;
                return; // the backend failed mid-response: nothing more can be said to the client
            }

            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            if (BackendClients.IsTlsFailure(exception))
            {
                // A trust problem is configuration, not a dead backend: no dead mark, no retry, its own reason.
                logger.LogWarning("TLS to {Backend} failed for {Route}: {Reason}", backend.Url, route.Record.RouteName, exception?.InnerException?.Message ?? exception?.Message);
                await FailAsync(context, request, ErrorPages.BackendTlsError);
                return;
            }

            if (ClientMistakes.Of(exception) is { } mistake)
            {
                await FailAsync(context, request, mistake); // the client's fault: no dead mark, no retry, no warning
                return;
            }

            var failure = Classify(error, exception);
            if (failure is null)
            {
                request.Error = ProxyRequest.ClientAborted;
                return; // the client went away: nobody to answer
            }

            var notSent = IsConnectFailure(exception) || IsConnectTimeout(exception);
            if (notSent)
            {
                deadBackends.Report(route, backend, IsConnectTimeout(exception) ? DeadReason.ConnectTimeout : DeadReason.ConnectFailure);
            }

            if (attempt >= _retries || !(notSent || (error == ForwarderError.Request && CanReplay(context.Request))))
            {
                logger.LogWarning("Forwarding to {Backend} failed: {Error} {Reason}", backend.Url, error, exception?.Message);
                await FailAsync(context, request, failure);
                return;
            }

            logger.LogDebug("Retrying {Host} elsewhere after {Backend} failed: {Reason}", route.Record.RouteName, backend.Url, exception?.Message);
            (tried ??= []).Add(backend);
            request.Retries++;
            // The forwarder wrote its own status and error feature: clear them so the next attempt starts clean.
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
        }
    }

    private BackendState? Pick(HttpContext context, RouteEntry route, List<BackendState>? tried)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = route.Live(now, out var panic);
        if (panic && tried is null && route.ShouldLogPanic(now))
        {
            logger.LogWarning("Every backend of {Route} is marked dead; routing to all of them (panic mode)", route.Record.RouteName);
        }

        if (tried is null)
        {
            return live.Length == 0 ? null : (route.Sticky.Enabled ? sticky.Pinned(context, route, live) : null) ?? route.Policy.Pick(route, live);
        }

        // A retry: any live backend not tried yet; when the live ones are exhausted, the rest of them.
        var untried = Untried(live, tried) ?? Untried(route.Unexpired(), tried);
        return untried is null ? null : route.Policy.Pick(route, untried);
    }

    /// <summary>The backends of <paramref name="candidates"/> not in <paramref name="tried"/>; null when none is left. Only retries pay for it.</summary>
    private static BackendState[]? Untried(BackendState[] candidates, List<BackendState> tried)
    {
        var left = 0;
        foreach (var b in candidates)
        {
            if (!tried.Contains(b))
            {
                left++;
            }
        }

        if (left == 0)
        {
            return null;
        }

        var untried = new BackendState[left];
        var n = 0;
        foreach (var b in candidates)
        {
            if (!tried.Contains(b))
            {
                untried[n++] = b;
            }
        }

        return untried;
    }

    /// <summary>An idempotent request without a body can be sent again after a failure before any response.</summary>
    private static bool CanReplay(HttpRequest request) =>
        IsIdempotent(request.Method)
        && request.ContentLength is null or 0
        && !request.Headers.ContainsKey(HeaderNames.TransferEncoding);

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    /// <summary>Maps a forwarding failure to the router's answer; null when the client itself gave up.</summary>
    internal static ErrorPage? Classify(ForwarderError error, Exception? exception) => error switch
    {
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.UpgradeRequestCanceled or ForwarderError.RequestBodyClient => null,
        ForwarderError.RequestTimedOut or ForwarderError.UpgradeActivityTimeout => ErrorPages.BackendTimeout,
        ForwarderError.Request when IsConnectTimeout(exception) => ErrorPages.BackendTimeout,
        ForwarderError.Request when IsConnectFailure(exception) => ErrorPages.BackendUnreachable,
        _ => ErrorPages.BackendError,
    };

    /// <summary>Refused, unreachable, reset while connecting: nothing of the request reached the backend.</summary>
    internal static bool IsConnectFailure(Exception? exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } or HttpRequestException { InnerException: SocketException };

    internal static bool IsConnectTimeout(Exception? exception) =>
        exception is HttpRequestException { InnerException: TimeoutException or TaskCanceledException { InnerException: TimeoutException } }
        || exception is TaskCanceledException { InnerException: TimeoutException };
}
