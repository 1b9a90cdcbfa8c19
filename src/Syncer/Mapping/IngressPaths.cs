using Entrance.Core.Hosts;
using Entrance.Core.Schema;

namespace Entrance.Syncer.Mapping;

/// <summary>
/// Ingress paths as Entrance path routes: <c>/</c> is the host route itself; <c>Prefix</c> (and
/// <c>ImplementationSpecific</c>, read as a prefix) <c>/api</c> or <c>/api/</c> is the route <c>host/api</c>, matching
/// <c>/api</c> and under it on segment boundaries as the Ingress spec says; <c>Exact</c> <c>/login</c> is
/// <c>host/login</c> with <c>path_exact 1</c>. Paths Entrance cannot express (regexes, <c>..</c>, an Exact path ending
/// in <c>/</c>) are skipped with a warning rather than routed differently than written.
/// </summary>
internal static class IngressPaths
{
    public static bool TryRouteName(string host, string path, string? pathType, out string routeName, out bool exact, out string error)
    {
        routeName = host;
        exact = pathType == "Exact";
        error = string.Empty;
        if (pathType is not ("Prefix" or "Exact" or "ImplementationSpecific"))
        {
            error = $"pathType {pathType} is not Prefix, Exact or ImplementationSpecific";
            return false;
        }

        if (path == "/")
        {
            if (exact)
            {
                error = "an Exact / cannot be told apart from the host route; use Prefix /";
                return false;
            }

            return true;
        }

        if (exact && path.EndsWith('/'))
        {
            error = "an Exact path ending in / is not supported (Entrance prefixes have no trailing /)";
            return false;
        }

        var prefix = exact ? path : path.TrimEnd('/');
        if (!RoutePath.IsValidPrefix(prefix, out var prefixError))
        {
            error = prefixError;
            return false;
        }

        routeName = host + prefix;
        return true;
    }

    /// <summary>A path route's settings say whether it is exact (an empty value deletes the field when a path turns back into Prefix).</summary>
    public static Dictionary<string, string> WithPathSettings(Dictionary<string, string> settings, string routeName, bool exact)
    {
        if (routeName.Contains('/'))
        {
            settings[RedisKeys.PathExactField] = exact ? "1" : string.Empty;
        }

        return settings;
    }
}
