using Entrance.Hosting.Metrics;

namespace Entrance.Hosting.Admin;

/// <summary>
/// The admin paths every Entrance program serves — <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> — plus the
/// program's own <see cref="IAdminRoute"/>s. GET (and HEAD) only; anything else is 404 or 405.
/// </summary>
public sealed class AdminEndpoints(IReadinessCheck readiness, PrometheusExport metrics, IEnumerable<IAdminRoute> routes)
{
    public const string HealthyBody = "ok: serving\n";

    private readonly IAdminRoute[] _routes = routes.ToArray();

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
                await PlainAsync(context, StatusCodes.Status200OK, HealthyBody);
                return;
            case "/readyz":
                var state = readiness.Check();
                await PlainAsync(context, state.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, state.Reason + "\n");
                return;
            case "/metrics":
                await metrics.WriteAsync(response, context.RequestAborted);
                return;
        }

        foreach (var route in _routes)
        {
            if (path.StartsWith(route.Prefix, StringComparison.Ordinal) && path.Length > route.Prefix.Length)
            {
                await route.HandleAsync(context, Uri.UnescapeDataString(path[route.Prefix.Length..]));
                return;
            }
        }

        var known = string.Join(' ', new[] { "/healthz", "/readyz", "/metrics" }.Concat(_routes.Select(r => r.Prefix + "<…>")));
        await PlainAsync(context, StatusCodes.Status404NotFound, "admin paths: " + known + "\n");
    }

    private static Task PlainAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body);
    }
}
