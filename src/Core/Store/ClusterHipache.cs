using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// hipache's side of a person's edit on a Redis Cluster. hipache's <c>frontend:&lt;host&gt;</c> and <c>dead:&lt;host&gt;</c>
/// keep their names (hipache reads them), so they hash to other slots than the route's native keys and no script can
/// hold both: the native part runs as the usual script (given <see cref="Schema.RedisKeys.HipacheInSlot"/>), and these
/// plain commands do the hipache part next to it. Each is one command per key, not one transaction per route.
/// </summary>
internal static class ClusterHipache
{
    /// <summary>Removes the hipache keys of a route after its native keys (remove-host with hipache keys).</summary>
    public static async Task<RemoveResult> RemoveAsync(RedisConnection redis, string name, RemoveResult native)
    {
        var keys = redis.Keys;
        var frontend = redis.Db.KeyDeleteAsync(keys.Frontend(name));
        var dead = redis.Db.KeyDeleteAsync(keys.HipacheDead(name));
        var gone = await frontend.ConfigureAwait(false) | await dead.ConfigureAwait(false);
        if (gone && native.Outcome == RemoveOutcome.NotFound)
        {
            await PublishAsync(redis, name).ConfigureAwait(false);
            return RemoveResult.Removed;
        }

        return native;
    }

    /// <summary>
    /// A name that exists only as a hipache frontend gets the URLs appended to its list (as add-backends.lua does on
    /// one node); null when the name is not hipache-only, so the native script runs.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> AddAsync(RedisConnection redis, string name, IReadOnlyList<string> urls)
    {
        var keys = redis.Keys;
        var db = redis.Db;
        var native = db.KeyExistsAsync(keys.Backends(name));
        var list = db.ListRangeAsync(keys.Frontend(name));
        if (await native.ConfigureAwait(false) || (await list.ConfigureAwait(false)).Length == 0)
        {
            return null;
        }

        var have = list.Result.Skip(1).Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        var added = urls.Where(have.Add).ToList();
        if (added.Count > 0)
        {
            await db.ListRightPushAsync(keys.Frontend(name), [.. added.Select(u => (RedisValue)u)]).ConfigureAwait(false);
            await PublishAsync(redis, name).ConfigureAwait(false);
        }

        return added;
    }

    /// <summary>Removes URLs from a hipache frontend (its identifier stays) and drops its dead marks, which are list indexes.</summary>
    /// <returns>The URLs removed, and the hipache backends left.</returns>
    public static async Task<(List<string> Removed, int Left)> RemoveBackendsAsync(RedisConnection redis, string name, IReadOnlyList<string> urls)
    {
        var keys = redis.Keys;
        var db = redis.Db;
        var list = await db.ListRangeAsync(keys.Frontend(name)).ConfigureAwait(false);
        var removed = new List<string>();
        if (list.Length < 2)
        {
            return (removed, Math.Max(0, list.Length - 1));
        }

        var drop = urls.ToHashSet(StringComparer.Ordinal);
        foreach (var url in list.Skip(1).Select(v => (string)v!).Where(drop.Contains).Distinct())
        {
            await db.ListRemoveAsync(keys.Frontend(name), url).ConfigureAwait(false);
            removed.Add(url);
        }

        if (removed.Count > 0)
        {
            await db.KeyDeleteAsync(keys.HipacheDead(name)).ConfigureAwait(false);
            await PublishAsync(redis, name).ConfigureAwait(false);
        }

        return (removed, (int)Math.Max(0, await db.ListLengthAsync(keys.Frontend(name)).ConfigureAwait(false) - 1));
    }

    /// <summary>Clears hipache dead marks of a route (all, or the indexes holding <paramref name="url"/>).</summary>
    public static async Task<int> ClearDeadAsync(RedisConnection redis, string name, string? url)
    {
        var keys = redis.Keys;
        var db = redis.Db;
        long n;
        if (url is null)
        {
            n = await db.SetLengthAsync(keys.HipacheDead(name)).ConfigureAwait(false);
            await db.KeyDeleteAsync(keys.HipacheDead(name)).ConfigureAwait(false);
        }
        else
        {
            var list = await db.ListRangeAsync(keys.Frontend(name), 1, -1).ConfigureAwait(false);
            var indexes = list.Select((u, i) => ((string?)u, i)).Where(p => p.Item1 == url).Select(p => (RedisValue)p.i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            n = indexes.Length == 0 ? 0 : await db.SetRemoveAsync(keys.HipacheDead(name), indexes).ConfigureAwait(false);
        }

        if (n > 0)
        {
            await PublishAsync(redis, name).ConfigureAwait(false);
        }

        return (int)n;
    }

    private static Task PublishAsync(RedisConnection redis, string name) =>
        redis.Multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(redis.Keys.ChangedChannel), name);
}
