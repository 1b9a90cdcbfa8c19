using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>Finds route names by walking the keyspace with SCAN (never KEYS, which blocks a production Redis).</summary>
internal static class KeyScan
{
    /// <summary>The route names after <paramref name="part"/> (e.g. <c>entrance:backends:</c>) matching a glob over the name.</summary>
    /// <remarks>
    /// On a Redis Cluster every master is scanned and the names lose their hash tags (<c>{host}/api</c> → <c>host/api</c>);
    /// the glob is then matched here, since Redis would match it against the tagged name.
    /// </remarks>
    public static async IAsyncEnumerable<string> RouteNamesAsync(RedisConnection redis, string part, string? nameGlob = null)
    {
        var prefix = redis.Keys.Prefix + part;
        var cluster = redis.IsCluster;
        var filter = cluster && !string.IsNullOrEmpty(nameGlob) ? Glob(nameGlob) : null;
        await foreach (var key in KeysAsync(redis, part, cluster ? null : nameGlob).ConfigureAwait(false))
        {
            var text = (string)key!;
            if (text.Length > prefix.Length)
            {
                var name = cluster ? RedisKeys.Untagged(text.AsSpan(prefix.Length)) : text[prefix.Length..];
                if (filter is null || filter.IsMatch(name))
                {
                    yield return name;
                }
            }
        }
    }

    /// <summary>Every key starting with the prefix and <paramref name="part"/> (then <paramref name="glob"/>), on every master of a cluster.</summary>
    public static async IAsyncEnumerable<RedisKey> KeysAsync(RedisConnection redis, string part, string? glob = null)
    {
        var pattern = EscapeGlob(redis.Keys.Prefix + part) + (string.IsNullOrEmpty(glob) ? "*" : glob);
        foreach (var server in redis.ScanServers())
        {
            await foreach (var key in server.KeysAsync(redis.Database, pattern, pageSize: 1000).ConfigureAwait(false))
            {
                yield return key;
            }
        }
    }

    /// <summary>A Redis glob (<c>*</c>, <c>?</c>, <c>[...]</c>, <c>\x</c>) as an anchored regex.</summary>
    private static System.Text.RegularExpressions.Regex Glob(string glob)
    {
        var builder = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*': builder.Append(".*"); break;
                case '?': builder.Append('.'); break;
                case '\\' when i + 1 < glob.Length: builder.Append(System.Text.RegularExpressions.Regex.Escape(glob[++i].ToString())); break;
                case '[':
                    var close = glob.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        builder.Append(@"\[");
                        break;
                    }

                    var set = glob[(i + 1)..close].Replace(@"\", @"\\", StringComparison.Ordinal);
                    builder.Append('[').Append(set).Append(']');
                    i = close;
                    break;
                default: builder.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString())); break;
            }
        }

        return new System.Text.RegularExpressions.Regex(builder.Append('$').ToString(), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }

    /// <summary>Escapes glob metacharacters in a literal key prefix.</summary>
    private static string EscapeGlob(string literal)
    {
        var builder = new System.Text.StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
