using Entrance.Router.Proxy;

namespace Entrance.Router.Grpc;

/// <summary>
/// The router's own answers to a gRPC call, in a form gRPC clients read: HTTP 200, <c>content-type: application/grpc</c>,
/// no body, and <c>grpc-status</c> / <c>grpc-message</c> in the headers ("Trailers-Only"), with the same
/// <c>X-Entrance-Error</c> reason as the text pages. The mapping is documented in docs/grpc.md.
/// </summary>
public static class GrpcErrors
{
    // https://grpc.github.io/grpc/core/md_doc_statuscodes.html
    public const int DeadlineExceeded = 4;
    public const int ResourceExhausted = 8;
    public const int Unimplemented = 12;
    public const int Internal = 13;
    public const int Unavailable = 14;
    public const int Unknown = 2;

    /// <summary>The gRPC status for one of the router's answers: by reason where it says more than the HTTP status, else as gRPC maps HTTP statuses.</summary>
    public static int StatusFor(ErrorPage page) => page.Reason switch
    {
        "unknown-host" => Unimplemented,
        "backend-timeout" => DeadlineExceeded,
        "no-backends" or "backend-unreachable" or "backend-error" or "backend-tls-error" or "store-unavailable" => Unavailable,
        _ => page.Status switch
        {
            400 => Internal,
            401 => 16, // UNAUTHENTICATED
            403 => 7, // PERMISSION_DENIED
            404 => Unimplemented,
            413 => ResourceExhausted,
            429 or 502 or 503 => Unavailable,
            504 => DeadlineExceeded,
            _ => Unknown,
        },
    };

    public static Task WriteAsync(HttpContext context, ErrorPage page)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcRequests.ContentType;
        response.Headers[ErrorPages.ReasonHeader] = page.Reason;
        response.Headers[GrpcRequests.StatusHeader] = StatusText(StatusFor(page));
        response.Headers[GrpcRequests.MessageHeader] = page.GrpcMessage;
        return Task.CompletedTask; // headers only: the status travels in them, as a Trailers-Only answer
    }

    private static string StatusText(int status) => status switch
    {
        DeadlineExceeded => "4",
        Unimplemented => "12",
        Unavailable => "14",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
