using Entrance.Core.Hosts;

namespace Entrance.Router.Routing;

/// <summary>
/// Picks the route a request's path falls under among its host's path routes: the longest prefix on a segment
/// boundary, else the host route itself. A path route with <c>strip_prefix 1</c> forwards the path without its prefix
/// (<c>/api/x</c> → <c>/x</c>, <c>/api</c> → <c>/</c>); the client's path is put back once forwarding is done, so the
/// access log shows what the client asked for.
/// </summary>
public static class PathRoutes
{
    /// <summary>The route serving <paramref name="context"/>'s path; <paramref name="original"/> is the path to restore when it was stripped.</summary>
    public static RouteEntry Select(HttpContext context, RouteEntry host, out PathString original)
    {
        original = default;
        var paths = host.Paths;
        if (paths.Length == 0)
        {
            return host;
        }

        var path = context.Request.Path.Value ?? string.Empty;
        foreach (var route in paths)
        {
            var prefix = route.Prefix!;
            if (!RoutePath.Matches(path, prefix, route.PathExact))
            {
                continue;
            }

            if (route.StripPrefix)
            {
                original = context.Request.Path;
                context.Request.Path = path.Length == prefix.Length ? new PathString("/") : new PathString(path[prefix.Length..]);
            }

            return route;
        }

        return host;
    }

    /// <summary>Puts the client's path back after a stripped request was forwarded.</summary>
    public static void Restore(HttpContext context, PathString original)
    {
        if (original.HasValue)
        {
            context.Request.Path = original;
        }
    }
}
