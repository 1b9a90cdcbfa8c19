using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// The shared transformer plus one route's forwarding options: its connect timeout (read by <see cref="BackendConnect"/>
/// from the request's options) and, with <c>preserve_host 0</c>, the backend's own host:port as Host. One per route that
/// sets either, made once per cache fill.
/// </summary>
internal sealed class RouteTransformer(HttpTransformer inner, TimeSpan? connectTimeout, bool preserveHost) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await inner.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        if (connectTimeout is { } timeout)
        {
            proxyRequest.Options.Set(BackendConnect.TimeoutOption, timeout);
        }

        if (!preserveHost)
        {
            // http:// backends: the URL's authority (HttpClient's own Host). https:// ones are sent to an http:// prefix
            // with the port made explicit, so their Host is taken from the backend URL itself.
            var url = httpContext.Features.Get<ProxyRequest>()?.BackendUrl;
            proxyRequest.Headers.Host = url is not null && url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(url, UriKind.Absolute, out var uri)
                ? uri.Authority
                : null;
        }
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken) =>
        inner.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        inner.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
}
