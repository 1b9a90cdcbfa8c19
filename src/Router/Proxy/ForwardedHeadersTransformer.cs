using System.Globalization;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Proxy;

/// <summary>
/// Copies the request as YARP does, keeps the original Host, and adds the X-Forwarded-* family, X-Real-IP and X-Request-Id.
/// One shared instance: everything it needs is on the HttpContext.
/// </summary>
public sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public const string RequestIdHeader = "X-Request-Id";

    public static readonly ForwardedHeadersTransformer Instance = new();

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
            headers.TryAddWithoutValidation("X-Forwarded-For", prior.Count == 0 ? client : string.Concat(string.Join(", ", prior.ToArray()), ", ", client));
            headers.Remove("X-Real-IP");
            headers.TryAddWithoutValidation("X-Real-IP", client);
        }

        SetHeader(headers, "X-Forwarded-Proto", request.Scheme);
        SetHeader(headers, "X-Forwarded-Host", request.Host.Value ?? string.Empty);
        SetHeader(headers, "X-Forwarded-Port", (request.Host.Port ?? httpContext.Connection.LocalPort).ToString(CultureInfo.InvariantCulture));
        SetHeader(headers, RequestIdHeader, RequestId.Get(httpContext));
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        // Echo the id so a client can quote it when reporting a problem.
        if (!httpContext.Response.Headers.ContainsKey(RequestIdHeader))
        {
            httpContext.Response.Headers[RequestIdHeader] = RequestId.Get(httpContext);
        }

        return proceed;
    }

    private static void SetHeader(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string value)
    {
        headers.Remove(name);
        headers.TryAddWithoutValidation(name, value);
    }
}

/// <summary>The request id: the client's <c>X-Request-Id</c> when it sent a sane one, else a new one, fixed for the request.</summary>
public static class RequestId
{
    private const int MaxLength = 200;
    private static readonly object Key = new();

    public static string Get(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var existing))
        {
            return (string)existing!;
        }

        var given = context.Request.Headers[ForwardedHeadersTransformer.RequestIdHeader].ToString();
        var id = given.Length is > 0 and <= MaxLength && !given.AsSpan().ContainsAnyExceptInRange((char)0x21, (char)0x7e)
            ? given
            : Guid.NewGuid().ToString("N");
        context.Items[Key] = id;
        return id;
    }
}
