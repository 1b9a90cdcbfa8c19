using Entrance.Router.Metrics;

namespace Entrance.Router.Admin;

/// <summary>The admin listener's few paths; anything else is 404. GET (and HEAD) only.</summary>
public sealed class AdminEndpoints(Readiness readiness, PrometheusCollector metrics, RouteReport routes)
{
    public const string RoutesPrefix = "/routes/";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        var path = request.Path.Value ?? "/";
        switch (path)
        {
            case "/healthz":
                await PlainAsync(context, StatusCodes.Status200OK, "ok: serving\n");
                return;
            case "/readyz":
                var state = readiness.Check();
                await PlainAsync(context, state.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, state.Reason + "\n");
                return;
            case "/metrics":
                response.ContentType = PrometheusCollector.ContentType;
                response.Headers.CacheControl = "no-store";
                await response.WriteAsync(metrics.Render());
                return;
        }

        if (path.StartsWith(RoutesPrefix, StringComparison.Ordinal) && path.Length > RoutesPrefix.Length)
        {
            await routes.WriteAsync(context, Uri.UnescapeDataString(path[RoutesPrefix.Length..]));
            return;
        }

        await PlainAsync(context, StatusCodes.Status404NotFound, "admin paths: /healthz /readyz /metrics /routes/<host>\n");
    }

    private static Task PlainAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body);
    }
}
