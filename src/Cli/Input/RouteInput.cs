using Entrance.Core.Hosts;
using Entrance.Core.Schema;

namespace Entrance.Cli.Input;

/// <summary>The checks every route name, backend URL and policy goes through before the CLI writes anything.</summary>
public static class RouteInput
{
    /// <summary>The load-balancing policies routers know (docs/redis-schema.md).</summary>
    public static readonly string[] Policies = ["p2c", "random", "round-robin"];

    /// <summary>The longest registration TTL accepted: a day (a heartbeat that rare is a permanent route).</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    /// <summary>
    /// A route name as stored: the host lower-cased for convenience (a path prefix keeps its case: paths are
    /// case-sensitive), then held to the schema's rules (<c>host</c>, <c>*.parent</c>, <c>*</c>, each optionally <c>/prefix</c>).
    /// </summary>
    public static bool TryRouteName(string? raw, out string name, out string error)
    {
        var (host, prefix) = RoutePath.Split(raw ?? string.Empty);
        name = host.ToLowerInvariant() + prefix;
        if (RoutePath.IsValidRouteName(name, out error))
        {
            return true;
        }

        error = $"invalid host \"{raw}\": {error}";
        return false;
    }

    public static string RouteName(string? raw) => TryRouteName(raw, out var name, out var error) ? name : throw new CliInputException(error);

    /// <summary>A backend base URL: absolute http://, https:// or h2c:// (HTTP/2 with prior knowledge) with a host, no credentials, query or fragment.</summary>
    public static bool TryUrl(string? raw, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(raw) || raw.Trim() != raw)
        {
            error = $"invalid backend URL \"{raw}\": empty or surrounded by white space";
            return false;
        }

        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != "h2c"))
        {
            error = $"invalid backend URL \"{raw}\": must be an absolute http://, https:// or h2c:// URL, as in http://10.0.0.5:8080 or h2c://10.0.0.5:50051";
            return false;
        }

        if (string.IsNullOrEmpty(uri.Host) || !raw.Contains("://", StringComparison.Ordinal) || raw.AsSpan(raw.IndexOf("://", StringComparison.Ordinal) + 3).IsEmpty)
        {
            error = $"invalid backend URL \"{raw}\": it has no host";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || raw.Contains(' '))
        {
            error = $"invalid backend URL \"{raw}\": credentials, query, fragment and spaces are not allowed in a backend base URL";
            return false;
        }

        return true;
    }

    public static IReadOnlyList<string> Urls(IEnumerable<string> raw)
    {
        var errors = new List<string>();
        var urls = new List<string>();
        foreach (var url in raw)
        {
            if (TryUrl(url, out var error))
            {
                if (!urls.Contains(url))
                {
                    urls.Add(url);
                }
            }
            else
            {
                errors.Add(error);
            }
        }

        return errors.Count > 0 ? throw new CliInputException(errors) : urls;
    }

    /// <summary>A backend weight: an integer 0..10000 (0 drains the backend).</summary>
    public static bool TryWeight(long raw, out string error)
    {
        error = raw is >= 0 and <= RedisKeys.MaxWeight ? string.Empty : $"invalid weight {raw}: use an integer 0..{RedisKeys.MaxWeight} (0 drains the backend, 1 is the default)";
        return error.Length == 0;
    }

    /// <summary>A registration TTL written like <c>30s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>: more than 0, at most <see cref="MaxTtl"/>.</summary>
    public static bool TryTtl(string? raw, out TimeSpan ttl, out string error)
    {
        ttl = default;
        error = $"invalid TTL \"{raw}\": write a duration more than 0 and at most 24h, as in 30s, 500ms, 2m";
        if (!SettingDuration.TryParse(raw, out var parsed) || parsed <= TimeSpan.Zero || parsed > MaxTtl)
        {
            return false;
        }

        ttl = parsed;
        error = string.Empty;
        return true;
    }

    public static bool TryPolicy(string? raw, out string error)
    {
        error = string.Empty;
        if (raw is not null && Policies.Contains(raw, StringComparer.Ordinal))
        {
            return true;
        }

        error = $"invalid lb policy \"{raw}\": use one of {string.Join(", ", Policies)}";
        return false;
    }

    /// <summary>A host to look up as a router would: a route name, or a Host header value (upper case, port, trailing dot).</summary>
    public static string LookupHost(string raw)
    {
        var lower = raw.ToLowerInvariant();
        if (HostName.IsValidRouteName(lower, out _))
        {
            return lower;
        }

        return HostName.TryNormalize(raw, out var host) ? host : throw new CliInputException($"invalid host \"{raw}\"");
    }
}
