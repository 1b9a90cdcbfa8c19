using Entrance.Core.Hosts;
using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>How a writer treats a route name someone else manages (see the ownership section of docs/redis-schema.md).</summary>
public enum OwnershipMode
{
    /// <summary>Write unless another writer owns the name; hand-written names are taken over (the CLI's <c>apply</c>).</summary>
    Claim,

    /// <summary>Write only names that are new or already ours; never touch hand-written or foreign names (the Syncer).</summary>
    OwnedOnly,
}

/// <summary>A route as a writer wants it under a route name: exactly these backends and settings (an empty setting value deletes it).</summary>
public sealed record RouteSpec(string Name, IReadOnlyCollection<string> Backends, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>Backend URL → weight 0..10000 for backends that do not weigh 1 (the others' weights are removed).</summary>
    public IReadOnlyDictionary<string, int> Weights { get; init; } = new Dictionary<string, int>();

    /// <summary>When set, every backend expires this long after the write, by Redis's clock; null: permanent.</summary>
    public TimeSpan? Ttl { get; init; }
}

/// <summary>What a write did. <see cref="Conflict"/> names the current owner (<c>manual</c> for hand-written) when nothing was written.</summary>
public sealed record RouteWriteResult(string Name, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, int SettingsChanged, string? Conflict)
{
    public bool Changed => Added.Count > 0 || Removed.Count > 0 || SettingsChanged > 0;
}

/// <summary>
/// The write side of the native schema, shared by the CLI and the Syncer: each route written atomically by one
/// Lua script (no empty set between old and new), with ownership recorded and <c>entrance:changed</c> published.
/// </summary>
public sealed class RouteWriter(RedisConnection redis)
{
    private readonly RedisKeys keys = redis.Keys;

    public async Task<RouteWriteResult> ApplyAsync(RouteSpec spec, string owner, OwnershipMode mode)
    {
        var db = redis.Db;
        var result = (RedisResult[])(await RedisScript.ApplyHost.EvaluateAsync(db, ApplyKeys(spec.Name), ApplyArgs(spec, owner, mode)).ConfigureAwait(false))!;
        return ParseApply(spec.Name, result);
    }

    /// <summary>Applies many routes pipelined (one script call each, all in flight at once); each route stays atomic.</summary>
    public async Task<IReadOnlyList<RouteWriteResult>> ApplyManyAsync(IReadOnlyList<RouteSpec> specs, string owner, OwnershipMode mode, IProgress<int>? progress = null)
    {
        var db = redis.Db;
        var results = new RouteWriteResult[specs.Count];
        const int window = 1000;
        for (var start = 0; start < specs.Count; start += window)
        {
            var count = Math.Min(window, specs.Count - start);
            var tasks = new Task<RedisResult>[count];
            for (var i = 0; i < count; i++)
            {
                var spec = specs[start + i];
                tasks[i] = RedisScript.ApplyHost.EvaluateAsync(db, ApplyKeys(spec.Name), ApplyArgs(spec, owner, mode));
            }

            for (var i = 0; i < count; i++)
            {
                results[start + i] = ParseApply(specs[start + i].Name, (RedisResult[])(await tasks[i].ConfigureAwait(false))!);
            }

            progress?.Report(start + count);
        }

        return results;
    }

    /// <summary>
    /// Removes a route whole: backends, settings, native dead marks and ownership (and hipache's keys when asked).
    /// With <paramref name="requiredOwner"/>, only when that writer owns it.
    /// </summary>
    public async Task<RemoveResult> RemoveAsync(string name, string? requiredOwner, bool includeHipache)
    {
        var (host, prefix) = RoutePath.Split(name);
        RedisKey[] k =
        [
            keys.Backends(name), keys.Settings(name), keys.NativeDead(name), keys.OwnersOf(name),
            keys.HipacheInSlot(keys.Frontend(name), name), keys.HipacheInSlot(keys.HipacheDead(name), name), keys.Paths(host), keys.Weights(name), keys.Expiry(name),
        ];
        var result = await RedisScript.RemoveHost.EvaluateAsync(redis.Db, k, [name, requiredOwner ?? string.Empty, includeHipache ? "1" : "0", prefix ?? string.Empty, keys.ChangedChannel]).ConfigureAwait(false);
        var removed = RemoveResult.FromScript((string)result!);
        if (includeHipache && keys.HashTags && removed.Outcome != RemoveOutcome.Conflict)
        {
            // Cluster: hipache's keys live in other slots, so they go after the native ones (see ClusterHipache).
            removed = await ClusterHipache.RemoveAsync(redis, name, removed).ConfigureAwait(false);
        }

        return removed;
    }

    /// <summary>Every route name with its owner.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OwnersAsync()
    {
        return await ClusterOwners.AllAsync(redis, keys.Owners, RedisKeys.OwnersPart).ConfigureAwait(false);
    }

    private RedisKey[] ApplyKeys(string name) =>
        [keys.Backends(name), keys.Settings(name), keys.OwnersOf(name), keys.Paths(RoutePath.HostOf(name)), keys.Weights(name), keys.Expiry(name)];

    private RedisValue[] ApplyArgs(RouteSpec spec, string owner, OwnershipMode mode)
    {
        var weights = spec.Weights.Where(w => w.Value != 1).ToArray();
        var args = new RedisValue[4 + spec.Settings.Count * 2 + 3 + weights.Length * 2 + spec.Backends.Count + 1];
        args[0] = spec.Name;
        args[1] = owner;
        args[2] = mode == OwnershipMode.OwnedOnly ? "owned-only" : "claim";
        args[3] = spec.Settings.Count;
        var i = 4;
        foreach (var (field, value) in spec.Settings)
        {
            args[i++] = field;
            args[i++] = value;
        }

        args[i++] = RoutePath.Split(spec.Name).Prefix ?? string.Empty;
        args[i++] = weights.Length;
        foreach (var (url, weight) in weights)
        {
            args[i++] = url;
            args[i++] = weight;
        }

        args[i++] = spec.Ttl is { } ttl ? (long)ttl.TotalMilliseconds : string.Empty;
        foreach (var url in spec.Backends)
        {
            args[i++] = url;
        }

        args[i] = keys.ChangedChannel;
        return args;
    }

    private static RouteWriteResult ParseApply(string name, RedisResult[] result)
    {
        var status = (string)result[0]!;
        if (status != "ok")
        {
            return new RouteWriteResult(name, [], [], 0, status["conflict:".Length..]);
        }

        var added = new List<string>();
        var removed = new List<string>();
        var target = added;
        var i = 1;
        for (; i < result.Length - 1; i++)
        {
            var value = (string)result[i]!;
            if (value == "|")
            {
                if (target == removed)
                {
                    break;
                }

                target = removed;
                continue;
            }

            target.Add(value);
        }

        return new RouteWriteResult(name, added, removed, int.Parse((string)result[^1]!), null);
    }
}
