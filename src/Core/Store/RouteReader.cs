using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>Lists routes for people and tools (<c>route list</c>, <c>export</c>, <c>apply</c>'s diff): SCAN, then pipelined reads.</summary>
public sealed class RouteReader(RedisConnection redis)
{
    /// <summary>Route names (native backends or settings, hipache frontends) matching a glob over the name, found with SCAN.</summary>
    public async Task<IReadOnlyList<string>> ScanRouteNamesAsync(string? glob = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in new[] { RedisKeys.BackendsPart, RedisKeys.SettingsPart, RedisKeys.FrontendPart })
        {
            await foreach (var name in KeyScan.RouteNamesAsync(redis, part, glob).ConfigureAwait(false))
            {
                names.Add(name);
            }
        }

        var list = names.ToList();
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    /// <summary>Reads many routes, pipelined: every command is in flight at once.</summary>
    public async Task<IReadOnlyList<RouteData>> ReadAsync(IReadOnlyList<string> names)
    {
        var keys = redis.Keys;
        var db = redis.Db;
        var owners = keys.HashTags ? null : db.HashGetAllAsync(keys.Owners);
        var ownerOf = keys.HashTags ? names.Select(n => db.HashGetAsync(keys.OwnersOf(n), n)).ToArray() : null;
        var members = new Task<RedisValue[]>[names.Count];
        var settings = new Task<HashEntry[]>[names.Count];
        var frontends = new Task<RedisValue[]>[names.Count];
        var weights = new Task<HashEntry[]>[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            members[i] = db.SetMembersAsync(keys.Backends(names[i]));
            settings[i] = db.HashGetAllAsync(keys.Settings(names[i]));
            frontends[i] = db.ListRangeAsync(keys.Frontend(names[i]));
            weights[i] = db.HashGetAllAsync(keys.Weights(names[i]));
        }

        var ownerMap = owners is null ? [] : (await owners.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var result = new RouteData[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var native = (await members[i].ConfigureAwait(false)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToArray();
            var hash = (await settings[i].ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
            var list = await frontends[i].ConfigureAwait(false);
            string[]? hipache = list.Length > 0 ? list.Skip(1).Select(v => (string)v!).ToArray() : null;
            var weightMap = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var e in await weights[i].ConfigureAwait(false))
            {
                if (int.TryParse((string?)e.Value, out var w))
                {
                    weightMap[(string)e.Name!] = w;
                }
            }

            result[i] = new RouteData(names[i], native, hipache, list.Length > 0 ? (string?)list[0] : null, hash, ownerOf is null ? ownerMap.GetValueOrDefault(names[i]) : (string?)await ownerOf[i].ConfigureAwait(false)) { Weights = weightMap };
        }

        return result;
    }

    /// <summary>The writer that manages a route (<c>apply</c>, <c>syncer</c>), or null when it was written by hand.</summary>
    public async Task<string?> OwnerAsync(string name) => await redis.Db.HashGetAsync(redis.Keys.OwnersOf(name), name).ConfigureAwait(false);
}
