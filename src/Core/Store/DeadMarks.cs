using Entrance.Core.Schema;

namespace Entrance.Core.Store;

/// <summary>A dead mark as stored: native (URL with expiry) or hipache (list index, expiry of the whole set).</summary>
public sealed record StoredDeadMark(string RouteName, string Url, RouteSchema Schema, long ExpiresAtUnixMs);

/// <summary>Dead marks for people (<c>dead list|clear</c>); routers write them with <see cref="IRouteStore.MarkDeadAsync"/>.</summary>
public sealed class DeadMarks(RedisConnection redis)
{
    /// <summary>The dead-mark score meaning "never expires" (2^53-1 ms): finite, so every reader parses it as a number.</summary>
    public const long NeverExpires = 9007199254740991;

    /// <summary>Dead marks still in force, for one route name or (with null) every route, found with SCAN.</summary>
    public async Task<IReadOnlyList<StoredDeadMark>> ListAsync(string? routeName, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (routeName is not null)
        {
            names.Add(routeName);
        }
        else
        {
            foreach (var part in new[] { RedisKeys.NativeDeadPart, RedisKeys.HipacheDeadPart })
            {
                await foreach (var name in KeyScan.RouteNamesAsync(redis, part).ConfigureAwait(false))
                {
                    names.Add(name);
                }
            }
        }

        var db = redis.Db;
        var keys = redis.Keys;
        var marks = new List<StoredDeadMark>();
        foreach (var name in names)
        {
            var native = db.SortedSetRangeByScoreWithScoresAsync(keys.NativeDead(name), nowMs, double.PositiveInfinity, StackExchange.Redis.Exclude.Start);
            var indexes = db.SetMembersAsync(keys.HipacheDead(name));
            var ttl = db.KeyTimeToLiveAsync(keys.HipacheDead(name));
            var frontend = db.ListRangeAsync(keys.Frontend(name));
            foreach (var mark in await native.ConfigureAwait(false))
            {
                marks.Add(new StoredDeadMark(name, (string)mark.Element!, RouteSchema.Native, mark.Score >= NeverExpires ? long.MaxValue : (long)mark.Score));
            }

            // hipache's marks share the set's TTL; a set without one never expires.
            var expiry = await ttl.ConfigureAwait(false) is { } left ? nowMs + (long)left.TotalMilliseconds : long.MaxValue;
            var list = await frontend.ConfigureAwait(false);
            foreach (var raw in await indexes.ConfigureAwait(false))
            {
                if (int.TryParse((string?)raw, out var index) && index >= 0 && index + 1 < list.Length)
                {
                    marks.Add(new StoredDeadMark(name, (string)list[index + 1]!, RouteSchema.Hipache, expiry));
                }
            }
        }

        return marks;
    }

    /// <summary>Clears every dead mark of a route; returns how many there were.</summary>
    public async Task<int> ClearAsync(string routeName)
    {
        var keys = redis.Keys;
        if (keys.HashTags)
        {
            var native = await RedisScript.ClearDead.EvaluateAsync(redis.Db, [keys.NativeDead(routeName)], [routeName, string.Empty, keys.ChangedChannel]).ConfigureAwait(false);
            return (int)native + await ClusterHipache.ClearDeadAsync(redis, routeName, null).ConfigureAwait(false);
        }

        var result = await RedisScript.ClearDead.EvaluateAsync(redis.Db, [keys.NativeDead(routeName), keys.HipacheDead(routeName)], [routeName, string.Empty, keys.ChangedChannel]).ConfigureAwait(false);
        return (int)result;
    }

    /// <summary>
    /// Clears one backend's dead marks on a route (native, and hipache's indexes of that URL) and publishes
    /// <c>entrance:changed</c> when there were any, so routers drop them at once; returns how many there were.
    /// </summary>
    public async Task<int> ClearAsync(string routeName, string url)
    {
        var keys = redis.Keys;
        if (keys.HashTags)
        {
            var native = await RedisScript.ClearDead.EvaluateAsync(redis.Db, [keys.NativeDead(routeName)], [routeName, url, keys.ChangedChannel]).ConfigureAwait(false);
            return (int)native + await ClusterHipache.ClearDeadAsync(redis, routeName, url).ConfigureAwait(false);
        }

        StackExchange.Redis.RedisKey[] k = [keys.NativeDead(routeName), keys.HipacheDead(routeName), keys.Frontend(routeName)];
        var result = await RedisScript.ClearDead.EvaluateAsync(redis.Db, k, [routeName, url, keys.ChangedChannel]).ConfigureAwait(false);
        return (int)result;
    }
}
