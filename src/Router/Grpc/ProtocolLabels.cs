using Entrance.Router.Proxy;
using Microsoft.AspNetCore.Http.Features;

namespace Entrance.Router.Grpc;

/// <summary>
/// The protocol of each side of a request and a gRPC call's status, as the access log and metrics name them. Every value
/// is one of a few constant strings, so metric labels stay bounded and recording allocates nothing.
/// </summary>
public static class ProtocolLabels
{
    private static readonly string[] GrpcStatuses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"];

    /// <summary>The client's side: HTTP/1.0, HTTP/1.1, HTTP/2, HTTP/3 or other.</summary>
    public static string Inbound(string protocol) =>
        HttpProtocol.IsHttp11(protocol) ? HttpProtocol.Http11
        : HttpProtocol.IsHttp2(protocol) ? HttpProtocol.Http2
        : HttpProtocol.IsHttp10(protocol) ? HttpProtocol.Http10
        : HttpProtocol.IsHttp3(protocol) ? HttpProtocol.Http3
        : "other";

    /// <summary>The backend's side: <c>h2c</c> (cleartext HTTP/2), <c>h2</c> (HTTP/2 over TLS), <c>HTTP/1.1</c> or <c>HTTP/1.0</c>; null when no backend answered.</summary>
    public static string? Outbound(ProxyRequest request) => request.BackendVersion switch
    {
        null => null,
        { Major: 2 } => request.BackendUrl is { } url && url.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? "h2" : "h2c",
        { Major: 1, Minor: 0 } => HttpProtocol.Http10,
        { Major: 1 } => HttpProtocol.Http11,
        _ => "other",
    };

    /// <summary>
    /// A gRPC call's <c>grpc-status</c>: from the trailers, or from the headers of a Trailers-Only answer (the router's
    /// own, or a backend's). Null for other requests or when none was sent (the call broke); "other" outside 0-16.
    /// </summary>
    public static string? GrpcStatus(HttpContext context)
    {
        if (!GrpcRequests.IsGrpc(context.Request))
        {
            return null;
        }

        var value = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers[GrpcRequests.StatusHeader] is { Count: > 0 } trailer
            ? trailer.ToString()
            : context.Response.Headers[GrpcRequests.StatusHeader].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        return int.TryParse(value, out var code) && code is >= 0 and <= 16 ? GrpcStatuses[code] : "other";
    }
}
