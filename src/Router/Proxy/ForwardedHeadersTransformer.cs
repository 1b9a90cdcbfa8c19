using System.Globalization;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// Copies the request as YARP does, keeps the original Host, and adds the X-Forwarded-* family, X-Real-IP and X-Request-Id.
/// One shared instance: everything it needs is on the HttpContext (the request id on its <see cref="ProxyRequest"/>).
/// </summary>
public sealed class ForwardedHeadersTransformer(RequestObserver observer) : HttpTransformer
{
    public const string RequestIdHeader = "X-Request-Id";

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        var request = httpContext.Request;
        var headers = proxyRequest.Headers;
        // Pass the client's Host through: backends of a PaaS serve many names.
        headers.Host = request.Host.Value;

        var clientIp = httpContext.Connection.RemoteIpAddress;
        var client = clientIp is null ? null : (clientIp.IsIPv4MappedToIPv6 ? clientIp.MapToIPv4() : clientIp).ToString();
        if (client is not null)
        {
            var prior = request.Headers["X-Forwarded-For"];
            headers.Remove("X-Forwarded-For");
            headers.TryAddWithoutValidation("X-Forwarded-For", prior.Count switch
            {
                0 => client,
                1 => string.Concat(prior[0], ", ", client),
                _ => string.Concat(string.Join(", ", prior.ToArray()), ", ", client),
            });
            headers.Remove("X-Real-IP");
            headers.TryAddWithoutValidation("X-Real-IP", client);
        }

        SetHeader(headers, "X-Forwarded-Proto", request.Scheme);
        SetHeader(headers, "X-Forwarded-Host", request.Host.Value ?? string.Empty);
        SetHeader(headers, "X-Forwarded-Port", PortText(request.Host.Port ?? httpContext.Connection.LocalPort));
        SetHeader(headers, RequestIdHeader, httpContext.Features.Get<ProxyRequest>()?.RequestId ?? RequestId.From(request));
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse?.StatusCode == System.Net.HttpStatusCode.SwitchingProtocols && httpContext.Features.Get<ProxyRequest>() is { } request)
        {
            observer.Upgraded(request); // a WebSocket tunnel opens now and stays open until the request ends
        }

        // Echo the id the backend saw, so a client can quote it when reporting a problem.
        if (proxyResponse is not null && !httpContext.Response.Headers.ContainsKey(RequestIdHeader)
            && (httpContext.Features.Get<ProxyRequest>()?.RequestId ?? SentRequestId(proxyResponse)) is { } id)
        {
            httpContext.Response.Headers[RequestIdHeader] = id;
        }

        return proceed;
    }

    // The listener's or the Host's port: nearly always one of a few, whose text needs no allocation.
    private static string PortText(int port) => port switch
    {
        80 => "80",
        443 => "443",
        8080 => "8080",
        8443 => "8443",
        _ => port.ToString(CultureInfo.InvariantCulture),
    };

    private static string? SentRequestId(HttpResponseMessage response) =>
        response.RequestMessage?.Headers.TryGetValues(RequestIdHeader, out var ids) == true ? ids.FirstOrDefault() : null;

    private static void SetHeader(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string value)
    {
        headers.Remove(name);
        headers.TryAddWithoutValidation(name, value);
    }
}
