using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// What a program adds to its Redis configuration string: a CA to trust for TLS (<c>ssl=true</c> or <c>rediss://</c>), and
/// whether lookups may go to replicas. User, password, TLS and Sentinel (<c>serviceName=</c>) are in the string itself.
/// </summary>
/// <param name="CaFile">A PEM file with the CA that signed Redis's certificate (a private CA, not in the system store).</param>
/// <param name="ReadFromReplica">Lookups (EVALSHA_RO, Redis 7+) and the invalidation feed on a replica when one is up.</param>
public sealed record RedisClientSettings(string? CaFile = null, bool ReadFromReplica = false)
{
    public static readonly RedisClientSettings Default = new();

    internal CommandFlags ReadFlags => ReadFromReplica ? CommandFlags.PreferReplica : CommandFlags.None;

    /// <summary>Why these settings cannot be used, or null.</summary>
    public string? Problem() =>
        CaFile is { Length: > 0 } && !File.Exists(CaFile) ? $"the Redis CA file '{CaFile}' does not exist" : null;

    internal void Apply(ConfigurationOptions options)
    {
        if (CaFile is { Length: > 0 })
        {
            options.TrustIssuer(CaFile);
        }
    }
}

/// <summary>
/// <c>redis://[user[:password]@]host[:port][/db][?key=value&amp;...]</c> and <c>rediss://...</c> (TLS), the URL form managed
/// services hand out, turned into a StackExchange.Redis configuration string (query keys pass through, e.g.
/// <c>serviceName</c>).
/// </summary>
internal static class RedisUrl
{
    public static bool IsUrl(string configuration) =>
        configuration.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || configuration.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);

    public static string ToConfiguration(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("not a redis:// or rediss:// URL");
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        var parts = new List<string> { $"{host}:{(uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port)}" };
        if (uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase))
        {
            parts.Add("ssl=true");
            parts.Add($"sslHost={uri.IdnHost}");
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (password is null)
            {
                parts.Add($"password={user}"); // redis://secret@host: a password alone, as redis-cli reads it
            }
            else
            {
                if (user.Length > 0)
                {
                    parts.Add($"user={user}");
                }

                parts.Add($"password={password}");
            }
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            parts.Add(int.TryParse(path, out var db) && db >= 0 ? $"defaultDatabase={db}" : throw new ArgumentException($"'{path}' is not a database number"));
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            parts.Add(Uri.UnescapeDataString(pair));
        }

        return string.Join(',', parts);
    }
}
