namespace Entrance.Router.Proxy;

/// <summary>
/// 204, 205 and 304 answers never carry a body (RFC 9110), and Kestrel refuses to send one (or a non-zero
/// <c>Content-Length</c> with 204/205). A backend that sends one anyway is relayed without it, as nginx does, instead of
/// failing the response after its headers were copied.
/// </summary>
internal static class BodilessResponses
{
    /// <summary>For a bodiless status: drops the body framing copied from the backend and returns true (the body is then not copied).</summary>
    public static bool Strip(HttpResponse response, HttpResponseMessage backend)
    {
        var status = (int)backend.StatusCode;
        if (status is not (StatusCodes.Status204NoContent or StatusCodes.Status205ResetContent or StatusCodes.Status304NotModified))
        {
            return false;
        }

        if (status != StatusCodes.Status304NotModified)
        {
            response.ContentLength = null; // a 304's Content-Length describes the cached representation and may stay
        }

        response.Headers.TransferEncoding = default;
        return true;
    }
}
