using Entrance.Router.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace Entrance.Router.Proxy;

/// <summary>
/// A route's <c>max_body</c>: a declared Content-Length over it is answered 413 before any backend is touched; a body
/// without one (chunked) is cut off by Kestrel at the limit while it streams, which the pipeline answers 413 as well.
/// </summary>
internal static class RequestBodyLimit
{
    /// <summary>False when the request declares a body over the route's limit.</summary>
    public static bool Apply(HttpContext context, RouteForwardingSettings forwarding)
    {
        if (forwarding.MaxBody is not { } max)
        {
            return true;
        }

        if (max > 0 && context.Request.ContentLength > max)
        {
            return false;
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = max == 0 ? null : max;
        }

        return true;
    }
}
