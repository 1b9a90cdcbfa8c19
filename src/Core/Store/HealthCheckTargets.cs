using Entrance.Core.Schema;

namespace Entrance.Core.Store;

/// <summary>
/// The routes the fleet's health checker probes: every route name whose settings hash has a <c>health_path</c>, found
/// with SCAN over <c>entrance:host:*</c> (no index to keep in step), then read as a router would see them, dead marks included.
/// </summary>
public sealed class HealthCheckTargets(RedisConnection redis)
{
    /// <summary>Route names with a <c>health_path</c> setting.</summary>
    public async Task<IReadOnlyList<string>> ScanAsync()
    {
        var names = new List<string>();
        await foreach (var name in KeyScan.RouteNamesAsync(redis, RedisKeys.SettingsPart).ConfigureAwait(false))
        {
            names.Add(name);
        }

        var db = redis.Db;
        var checks = names.Select(n => db.HashExistsAsync(redis.Keys.Settings(n), RedisKeys.HealthPathField)).ToArray();
        var found = new List<string>();
        for (var i = 0; i < names.Count; i++)
        {
            if (await checks[i].ConfigureAwait(false))
            {
                found.Add(names[i]);
            }
        }

        return found;
    }

    /// <summary>The routes now (backends of the schema a router serves, settings, dead marks in force); names gone since the scan are left out.</summary>
    public async Task<IReadOnlyList<RouteRecord>> ReadAsync(IReadOnlyList<string> names, DateTimeOffset now)
    {
        var routes = await new RouteReader(redis).ReadAsync(names).ConfigureAwait(false);
        var marks = new DeadMarks(redis);
        var records = new List<RouteRecord>(routes.Count);
        foreach (var route in routes)
        {
            if (route.EffectiveBackends.Count == 0)
            {
                continue;
            }

            var backends = route.EffectiveBackends.ToArray();
            var dead = new List<DeadMark>();
            foreach (var mark in await marks.ListAsync(route.Name, now).ConfigureAwait(false))
            {
                var schema = route.HasNative ? RouteSchema.Native : RouteSchema.Hipache;
                var index = Array.IndexOf(backends, mark.Url);
                if (mark.Schema == schema && index >= 0)
                {
                    dead.Add(new DeadMark(mark.Url, index, mark.ExpiresAtUnixMs));
                }
            }

            var native = route.HasNative;
            records.Add(new RouteRecord(route.Name, native ? redis.Keys.Backends(route.Name) : redis.Keys.Frontend(route.Name),
                native ? RouteSchema.Native : RouteSchema.Hipache, backends, route.Settings, dead) { Identifier = route.HipacheIdentifier });
        }

        return records;
    }
}
