using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Entrance.Router.Proxy;

/// <summary>The router's own answers: a status, a reason token in <c>X-Entrance-Error</c>, and a one-line plain-text page.</summary>
public static class ErrorPages
{
    public const string ReasonHeader = "X-Entrance-Error";

    public static readonly ErrorPage InvalidHost = new(StatusCodes.Status400BadRequest, "invalid-host", "The Host header is missing or not a valid host name.");
    public static readonly ErrorPage NoBackends = new(StatusCodes.Status502BadGateway, "no-backends", "This host has no backends.");
    public static readonly ErrorPage BackendUnreachable = new(StatusCodes.Status502BadGateway, "backend-unreachable", "The backend could not be reached.");
    public static readonly ErrorPage BackendError = new(StatusCodes.Status502BadGateway, "backend-error", "The backend failed to answer.");
    public static readonly ErrorPage BackendTlsError = new(StatusCodes.Status502BadGateway, "backend-tls-error", "The backend's TLS certificate was not accepted.");
    public static readonly ErrorPage BackendTimeout = new(StatusCodes.Status504GatewayTimeout, "backend-timeout", "The backend did not answer in time.");
    public static readonly ErrorPage BadRoute = new(StatusCodes.Status502BadGateway, "bad-route", "This host's route data in Redis is unusable (a key of the wrong type).");
    public static readonly ErrorPage LoopDetected = new(StatusCodes.Status508LoopDetected, "loop-detected", "This request already passed through this router fleet: a route points back at the routers.");
    public static readonly ErrorPage BadRequest = new(StatusCodes.Status400BadRequest, "bad-request", "The request is malformed.");
    public static readonly ErrorPage BodyTooLarge = new(StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is larger than this host accepts.");
    public static readonly ErrorPage MethodNotAllowed = new(StatusCodes.Status405MethodNotAllowed, "method-not-allowed", "CONNECT is not proxied.");
    public static readonly ErrorPage StoreUnavailable = new(StatusCodes.Status503ServiceUnavailable, "store-unavailable", "Routes cannot be read right now; retry shortly.");

    /// <summary>A miss over the lookup budget (<c>Entrance:LookupBudget</c>): answered without Redis; the host may well exist.</summary>
    public static ErrorPage LookupBudget(int retryAfterSeconds) =>
        new(StatusCodes.Status503ServiceUnavailable, "lookup-budget", "Too many lookups of unknown hosts; retry shortly.") { RetryAfterSeconds = retryAfterSeconds };

    public static ErrorPage UnknownHost(int status) => new(status, "unknown-host", "No route for this host.");

    /// <summary>Answers with <paramref name="page"/> unless the response has started; <paramref name="hsts"/> is the route's HSTS policy (over HTTPS only).</summary>
    public static Task WriteAsync(HttpContext context, ErrorPage page, string? hsts = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        if (Grpc.GrpcRequests.IsGrpc(context.Request))
        {
            return Grpc.GrpcErrors.WriteAsync(context, page); // a gRPC client reads only grpc-status
        }

        response.Clear();
        response.StatusCode = page.Status;
        response.Headers[ReasonHeader] = page.Reason;
        response.Headers.CacheControl = "no-store";
        if (hsts is not null)
        {
            response.Headers.StrictTransportSecurity = hsts; // the route's policy holds for the router's own answers too
        }
        if (page.Status == StatusCodes.Status405MethodNotAllowed)
        {
            response.Headers.Allow = "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE"; // RFC 9110: a 405 lists what is allowed
        }

        if (page.RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = page.Body.Length;
        return response.Body.WriteAsync(page.Body, context.RequestAborted).AsTask();
    }
}

/// <summary>One of the router's error answers; the body is rendered once.</summary>
public sealed record ErrorPage(int Status, string Reason, string Message)
{
    /// <summary>Seconds for a <c>Retry-After</c> header, when the answer has one.</summary>
    public int? RetryAfterSeconds { get; init; }

    public byte[] Body { get; } = Encoding.UTF8.GetBytes($"{Status} {ReasonPhrases.GetReasonPhrase(Status)}: {Message} ({Reason})\n");

    /// <summary>The message as a <c>grpc-message</c> header (percent-encoded where needed; these messages are plain ASCII).</summary>
    public string GrpcMessage { get; } = Uri.EscapeDataString($"{Message} ({Reason})").Replace("%20", " ", StringComparison.Ordinal);
}
