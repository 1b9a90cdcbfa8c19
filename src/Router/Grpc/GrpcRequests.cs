using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Grpc;

/// <summary>
/// What the router does differently for a gRPC call (<c>content-type: application/grpc…</c>): a streaming request body
/// may be slow between messages, and a deadline longer than <c>Entrance:BackendTimeout</c> is the caller's to set.
/// </summary>
public static class GrpcRequests
{
    public const string ContentType = "application/grpc";
    public const string TimeoutHeader = "grpc-timeout";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    /// <summary>A gRPC call (also gRPC-Web's <c>application/grpc-web…</c>, which gets the same answers).</summary>
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Lifts Kestrel's minimum request body rate (a client stream may pause between messages, as Grpc.AspNetCore allows),
    /// and widens the activity timeout to the call's <c>grpc-timeout</c> when that is longer: the backend and the
    /// client enforce the deadline, the router must not cut the call before it.
    /// </summary>
    public static ForwarderRequestConfig Prepare(HttpContext context, ForwarderRequestConfig config)
    {
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        return Timeout(context.Request.Headers[TimeoutHeader]) is { } deadline && deadline > config.ActivityTimeout
            ? config with { ActivityTimeout = deadline }
            : config;
    }

    /// <summary>
    /// True when the backend's answer to a gRPC call has begun (headers, no status yet): its headers must reach the client
    /// now, because a server may send them and wait (YARP sends headers with the first body bytes, dotnet/yarp#2520).
    /// A Trailers-Only answer (grpc-status in the headers) is complete and left alone.
    /// </summary>
    public static bool ShouldFlushHeaders(HttpContext context, HttpResponseMessage response) =>
        response.StatusCode == System.Net.HttpStatusCode.OK
        && IsGrpc(context.Request)
        && !response.Headers.Contains(StatusHeader);

    /// <summary>A <c>grpc-timeout</c> value (1 to 8 digits and a unit H M S m u n); null when absent or malformed.</summary>
    public static TimeSpan? Timeout(StringValues header)
    {
        if (header.Count != 1 || header[0] is not { Length: >= 2 and <= 9 } text
            || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return text[^1] switch
        {
            'H' => TimeSpan.FromHours(value),
            'M' => TimeSpan.FromMinutes(value),
            'S' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMilliseconds(value),
            'u' => TimeSpan.FromMicroseconds(value),
            'n' => TimeSpan.FromTicks(value / 100),
            _ => null,
        };
    }
}
