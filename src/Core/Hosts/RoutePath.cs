namespace Entrance.Core.Hosts;

/// <summary>
/// Path routes (issue 15): a route name <c>host/prefix</c>, such as <c>shop.example.com/api</c>. The prefix starts
/// with <c>/</c>, has no trailing <c>/</c>, no empty, <c>.</c> or <c>..</c> segment, and matches on a segment boundary:
/// <c>/api</c> matches <c>/api</c> and <c>/api/x</c>, never <c>/apix</c>.
/// </summary>
public static class RoutePath
{
    public const int MaxPrefixLength = 1024;

    /// <summary>The host part of a route name: <c>shop.example.com/api</c> → <c>shop.example.com</c>; a host route name as it is.</summary>
    public static string HostOf(string routeName)
    {
        var slash = routeName.IndexOf('/');
        return slash < 0 ? routeName : routeName[..slash];
    }

    /// <summary>Splits a route name into its host route name and prefix (null for a host route).</summary>
    public static (string Host, string? Prefix) Split(string routeName)
    {
        var slash = routeName.IndexOf('/');
        return slash < 0 ? (routeName, null) : (routeName[..slash], routeName[slash..]);
    }

    /// <summary>A route name: a host route name (<see cref="HostName.IsValidRouteName"/>) optionally followed by a valid prefix.</summary>
    public static bool IsValidRouteName(string? name, out string error)
    {
        var (host, prefix) = Split(name ?? string.Empty);
        if (!HostName.IsValidRouteName(host, out error))
        {
            return false;
        }

        return prefix is null || IsValidPrefix(prefix, out error);
    }

    public static bool IsValidPrefix(string prefix, out string error)
    {
        error = string.Empty;
        if (prefix.Length < 2 || prefix[0] != '/')
        {
            error = "a path prefix starts with / and names at least one segment, as in /api (the host route itself serves /)";
            return false;
        }

        if (prefix.Length > MaxPrefixLength)
        {
            error = $"path prefix is longer than {MaxPrefixLength} characters";
            return false;
        }

        if (prefix[^1] == '/')
        {
            error = "path prefix must not end with / (write /api, which matches /api and /api/...)";
            return false;
        }

        foreach (var c in prefix)
        {
            if (c <= ' ' || c == 0x7f || c is '?' or '#' or '%' or '\\' or '*')
            {
                error = "path prefix contains white space, a control character or one of ? # % \\ *";
                return false;
            }
        }

        foreach (var segment in prefix[1..].Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                error = "path prefix has an empty, . or .. segment";
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a request path falls under a prefix: equal, or the prefix followed by <c>/</c>; with
    /// <paramref name="exact"/>, only equal. Ordinal, case-sensitive, no allocation.
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> path, string prefix, bool exact) =>
        path.StartsWith(prefix, StringComparison.Ordinal)
        && (path.Length == prefix.Length || (!exact && path[prefix.Length] == '/'));
}
