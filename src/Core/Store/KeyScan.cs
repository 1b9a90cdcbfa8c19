namespace Entrance.Core.Store;

/// <summary>Finds route names by walking the keyspace with SCAN (never KEYS, which blocks a production Redis).</summary>
internal static class KeyScan
{
    /// <summary>The route names after <paramref name="part"/> (e.g. <c>entrance:backends:</c>) matching a glob over the name.</summary>
    public static async IAsyncEnumerable<string> RouteNamesAsync(RedisConnection redis, string part, string? nameGlob = null)
    {
        var prefix = redis.Keys.Prefix + part;
        var server = redis.Multiplexer.GetServer(redis.Multiplexer.GetEndPoints()[0]);
        var pattern = EscapeGlob(prefix) + (string.IsNullOrEmpty(nameGlob) ? "*" : nameGlob);
        await foreach (var key in server.KeysAsync(redis.Database, pattern, pageSize: 1000).ConfigureAwait(false))
        {
            var text = (string)key!;
            if (text.Length > prefix.Length)
            {
                yield return text[prefix.Length..];
            }
        }
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
