using Microsoft.AspNetCore.Http.Features;

namespace Entrance.Router.Proxy;

/// <summary>
/// A client's own mistakes are answered 4xx by the router, never sent on as a backend failure (no dead mark, no retry,
/// no warning): a malformed body (bad chunk size: 400), a body over the limit (413), and CONNECT, which the router does
/// not tunnel (405). Extended CONNECT over HTTP/2 (<c>:protocol</c>, WebSockets over h2) is a request like any other.
/// </summary>
internal static class ClientMistakes
{
    public static bool IsRefusedConnect(HttpContext context) =>
        HttpMethods.IsConnect(context.Request.Method)
        && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true;

    /// <summary>The answer when forwarding failed because of the client's request; null when it was not the client's fault.</summary>
    public static ErrorPage? Of(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorPages.BodyTooLarge : ErrorPages.BadRequest;
            }
        }

        return null;
    }
}
