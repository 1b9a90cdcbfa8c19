using System.Diagnostics;
using Entrance.Router.AccessLog;
using Entrance.Router.DebugHeaders;
using Entrance.Router.Metrics;
using Microsoft.AspNetCore.Http.Features;

namespace Entrance.Router.Proxy;

/// <summary>
/// Opens and closes each proxied request's <see cref="ProxyRequest"/>: at the start it counts the request in flight,
/// gives it an id and a byte counter and arranges debug headers; at the end it hands the facts to the metrics and the
/// access log. The pipeline only records facts; this is the one place that reads them.
/// </summary>
public sealed class RequestObserver(RouterMetrics metrics, AccessLogWriter accessLog, DebugResponseHeaders debugHeaders, TimeProvider time)
{
    public ProxyRequest Start(HttpContext context)
    {
        var request = new ProxyRequest(time.GetUtcNow()) { RequestId = RequestId.From(context.Request) };
        context.Features.Set(request);
        if (accessLog.Enabled && context.Features.Get<IHttpResponseBodyFeature>() is { } body)
        {
            context.Features.Set<IHttpResponseBodyFeature>(new CountingResponseBody(body));
        }

        metrics.RequestStarted();
        debugHeaders.Attach(context, request);
        return request;
    }

    public void Finish(HttpContext context, ProxyRequest request)
    {
        var now = Stopwatch.GetTimestamp();
        var response = context.Response;
        if (context.Features.Get<IHttpResponseBodyFeature>() is CountingResponseBody counted)
        {
            request.BytesSent = counted.Written;
        }

        var status = request.Upgraded ? StatusCodes.Status101SwitchingProtocols
            : request.Error == ProxyRequest.ClientAborted && !response.HasStarted ? ProxyRequest.ClientClosedStatus
            : response.StatusCode;
        request.GrpcStatus = Grpc.ProtocolLabels.GrpcStatus(context);
        metrics.RequestFinished(request, status, now);
        metrics.Protocols(context.Request.Protocol, request);
        if (accessLog.Enabled)
        {
            var http = context.Request;
            accessLog.Write(new AccessLogEntry(
                request,
                request.ElapsedMs(now),
                status,
                context.Connection.RemoteIpAddress,
                http.Method,
                http.Path.Value,
                http.QueryString.Value,
                http.Protocol,
                http.Headers.Referer.Count == 0 ? null : http.Headers.Referer.ToString(),
                http.Headers.UserAgent.Count == 0 ? null : http.Headers.UserAgent.ToString()));
        }
    }

    /// <summary>Called by the forwarder's transform when the backend switched protocols: the tunnel counts as open until the request ends.</summary>
    public void Upgraded(ProxyRequest request)
    {
        request.Upgraded = true;
        metrics.WebSocketOpened();
    }
}
