using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// Explains a resolve that Redis refused with WRONGTYPE (a route key written by hand with the wrong type): which key
/// has which type, as a <see cref="RouteRecord"/> whose <see cref="RouteRecord.Problem"/> routers answer with 502
/// bad-route. Runs only after such a failure, so the hot path pays nothing.
/// </summary>
internal static class WrongTypeRoutes
{
    public static bool IsWrongType(RedisServerException ex) => ex.Message.Contains("WRONGTYPE", StringComparison.Ordinal);

    /// <summary>
    /// The first candidate (in lookup order, as the script walks them) with a key of the wrong type, or null when
    /// none has one any more (fixed in between).
    /// </summary>
    public static async Task<RouteRecord?> DiagnoseAsync(IDatabaseAsync db, RedisKeys schema, string[] candidates, RedisKey[] keys, int keysPerCandidate)
    {
        var types = new Task<RedisType>[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            types[i] = db.KeyTypeAsync(keys[i]); // pipelined: one round trip for all of them
        }

        await Task.WhenAll(types).ConfigureAwait(false);
        for (var c = 0; c < candidates.Length; c++)
        {
            List<string>? problems = null;
            string? firstKey = null;
            for (var k = c * keysPerCandidate; k < (c + 1) * keysPerCandidate && k < keys.Length; k++)
            {
                var key = (string)keys[k]!;
                var actual = types[k].Result;
                if (actual == RedisType.None || Expected(schema, key) is not { } expected || actual == expected)
                {
                    continue;
                }

                firstKey ??= key;
                (problems ??= []).Add($"{key} is a {Name(actual)}, expected a {Name(expected)}");
            }

            if (problems is not null)
            {
                return new RouteRecord(candidates[c], firstKey!, RouteSchema.Declared, [], new Dictionary<string, string>(), [])
                {
                    Problem = string.Join("; ", problems),
                };
            }
        }

        return null;
    }

    /// <summary>The type the schema (docs/redis-schema.md) gives a route key, by its name; null for a key it does not know.</summary>
    internal static RedisType? Expected(RedisKeys schema, string key)
    {
        var name = key.AsSpan(key.StartsWith(schema.Prefix, StringComparison.Ordinal) ? schema.Prefix.Length : 0);
        return name switch
        {
            _ when name.StartsWith(RedisKeys.BackendsPart, StringComparison.Ordinal) => RedisType.Set,
            _ when name.StartsWith(RedisKeys.SettingsPart, StringComparison.Ordinal) => RedisType.Hash,
            _ when name.StartsWith(RedisKeys.NativeDeadPart, StringComparison.Ordinal) => RedisType.SortedSet,
            _ when name.StartsWith(RedisKeys.FrontendPart, StringComparison.Ordinal) => RedisType.List,
            _ when name.StartsWith(RedisKeys.HipacheDeadPart, StringComparison.Ordinal) => RedisType.Set,
            _ when name.StartsWith(RedisKeys.PathsPart, StringComparison.Ordinal) => RedisType.Set,
            _ when name.StartsWith(RedisKeys.WeightsPart, StringComparison.Ordinal) => RedisType.Hash,
            _ when name.StartsWith(RedisKeys.ExpiryPart, StringComparison.Ordinal) => RedisType.SortedSet,
            _ => null,
        };
    }

    private static string Name(RedisType type) => type switch
    {
        RedisType.String => "string",
        RedisType.List => "list",
        RedisType.Set => "set",
        RedisType.SortedSet => "zset",
        RedisType.Hash => "hash",
        RedisType.Stream => "stream",
        _ => type.ToString().ToLowerInvariant(),
    };
}
