using System.Globalization;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// Copies the request as YARP does, keeps the original Host, and adds the X-Forwarded-* family, X-Real-IP and X-Request-Id.
/// From a peer in <see cref="TrustedProxies"/> the incoming forwarding headers are extended; from anyone else they are
/// replaced (X-Forwarded-*, X-Real-IP) or dropped (<c>Forwarded</c>), so a client cannot claim another address.
/// One shared instance: everything it needs is on the HttpContext (the request id on its <see cref="ProxyRequest"/>).
/// </summary>
public sealed class ForwardedHeadersTransformer(RequestObserver observer, TrustedProxies trusted, LoopGuard loops) : HttpTransformer
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
        var inbound = request.Headers;
        if (!trusted.IsEmpty && trusted.Contains(clientIp))
        {
            // A trusted proxy in front: its headers describe the real client; extend them with this hop.
            if (client is not null)
            {
                var prior = inbound["X-Forwarded-For"];
                SetHeader(headers, "X-Forwarded-For", prior.Count switch
                {
                    0 => client,
                    1 => string.Concat(prior[0], ", ", client),
                    _ => string.Concat(string.Join(", ", prior.ToArray()), ", ", client),
                });
                var forwarded = inbound["Forwarded"];
                if (forwarded.Count > 0)
                {
                    SetHeader(headers, "Forwarded", string.Concat(string.Join(", ", forwarded.ToArray()), ", for=", ForwardedNode(clientIp!, client)));
                }

                if (inbound["X-Real-IP"].Count == 0)
                {
                    SetHeader(headers, "X-Real-IP", client);
                }
            }

            SetUnlessSent(inbound, headers, "X-Forwarded-Proto", request.Scheme);
            SetUnlessSent(inbound, headers, "X-Forwarded-Host", request.Host.Value ?? string.Empty);
            SetUnlessSent(inbound, headers, "X-Forwarded-Port", PortText(request.Host.Port ?? httpContext.Connection.LocalPort));
        }
        else
        {
            // Anyone else: what the client claims about itself is dropped; the router says what it saw.
            if (inbound.ContainsKey("Forwarded"))
            {
                headers.Remove("Forwarded");
            }

            if (client is not null)
            {
                SetHeader(headers, "X-Forwarded-For", client);
                SetHeader(headers, "X-Real-IP", client);
            }
            else
            {
                headers.Remove("X-Forwarded-For");
                headers.Remove("X-Real-IP");
            }

            SetHeader(headers, "X-Forwarded-Proto", request.Scheme);
            SetHeader(headers, "X-Forwarded-Host", request.Host.Value ?? string.Empty);
            SetHeader(headers, "X-Forwarded-Port", PortText(request.Host.Port ?? httpContext.Connection.LocalPort));
        }

        var proxied = httpContext.Features.Get<ProxyRequest>();
        SetHeader(headers, RequestIdHeader, proxied?.RequestId ?? RequestId.From(request));
        if (proxied?.Host is { } host)
        {
            headers.TryAddWithoutValidation("Via", loops.ViaEntry(request, host)); // appended after the client's Via entries
        }
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var request = httpContext.Features.Get<ProxyRequest>();
        if (proxyResponse?.StatusCode == System.Net.HttpStatusCode.SwitchingProtocols && request is not null)
        {
            observer.Upgraded(request); // a WebSocket tunnel opens now and stays open until the request ends
        }

        if (request is not null && proxyResponse is not null)
        {
            request.BackendVersion = proxyResponse.Version; // for the access log and metrics: h2c/h2 or HTTP/1.1 out
        }

        if (request?.Hsts is { } hsts)
        {
            httpContext.Response.Headers.StrictTransportSecurity = hsts; // the route's policy wins over the backend's
        }

        // Echo the id the backend saw, so a client can quote it when reporting a problem.
        if (proxyResponse is not null && !httpContext.Response.Headers.ContainsKey(RequestIdHeader)
            && (httpContext.Features.Get<ProxyRequest>()?.RequestId ?? SentRequestId(proxyResponse)) is { } id)
        {
            httpContext.Response.Headers[RequestIdHeader] = id;
        }

        if (proxyResponse is not null && BodilessResponses.Strip(httpContext.Response, proxyResponse))
        {
            return new ValueTask<bool>(false); // relayed without the stray body, as nginx does
        }

        return proxyResponse is not null && Grpc.GrpcRequests.ShouldFlushHeaders(httpContext, proxyResponse)
            ? FlushHeadersAsync(httpContext, proceed, cancellationToken)
            : proceed;
    }

    /// <summary>Sends a gRPC answer's headers before its first message (see <see cref="Grpc.GrpcRequests.ShouldFlushHeaders"/>).</summary>
    private static async ValueTask<bool> FlushHeadersAsync(HttpContext httpContext, ValueTask<bool> proceed, CancellationToken cancellationToken)
    {
        var go = await proceed.ConfigureAwait(false);
        if (go)
        {
            await httpContext.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return go;
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

    /// <summary>A <c>Forwarded</c> node (RFC 7239): IPv6 addresses bracketed and quoted.</summary>
    internal static string ForwardedNode(System.Net.IPAddress address, string text) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6 ? string.Concat("\"[", text, "]\"") : text;

    private static void SetUnlessSent(IHeaderDictionary inbound, System.Net.Http.Headers.HttpRequestHeaders headers, string name, string value)
    {
        if (inbound[name].Count == 0)
        {
            SetHeader(headers, name, value);
        }
    }

    private static void SetHeader(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string value)
    {
        headers.Remove(name);
        headers.TryAddWithoutValidation(name, value);
    }
}
