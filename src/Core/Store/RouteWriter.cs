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

    /// <summary>Write whatever the owner.</summary>
    Force,
}

/// <summary>A host as a writer wants it: exactly these backends and settings (an empty setting value deletes it).</summary>
public sealed record HostSpec(string Name, IReadOnlyCollection<string> Backends, IReadOnlyDictionary<string, string> Settings);

/// <summary>What a write did. <see cref="Conflict"/> names the current owner (<c>manual</c> for hand-written) when nothing was written.</summary>
public sealed record HostWriteResult(string Name, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, int SettingsChanged, string? Conflict)
{
    public bool Changed => Added.Count > 0 || Removed.Count > 0 || SettingsChanged > 0;
}

/// <summary>
/// The write side of the native schema, shared by the CLI and the Syncer: each host written atomically by one
/// Lua script (no empty set between old and new), with ownership recorded and <c>entrance:changed</c> published.
/// </summary>
public sealed class RouteWriter(IConnectionMultiplexer redis, RedisKeys keys)
{
    public RedisKeys Keys => keys;

    public async Task<HostWriteResult> ApplyAsync(HostSpec spec, string owner, OwnershipMode mode)
    {
        var db = redis.GetDatabase();
        var result = (RedisResult[])(await RedisScript.ApplyHost.EvaluateAsync(db, ApplyKeys(spec.Name), ApplyArgs(spec, owner, mode)).ConfigureAwait(false))!;
        return ParseApply(spec.Name, result);
    }

    /// <summary>Applies many hosts pipelined (one script call each, all in flight at once); each host stays atomic.</summary>
    public async Task<IReadOnlyList<HostWriteResult>> ApplyManyAsync(IReadOnlyList<HostSpec> specs, string owner, OwnershipMode mode, IProgress<int>? progress = null)
    {
        var db = redis.GetDatabase();
        var results = new HostWriteResult[specs.Count];
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
    /// Removes a route name whole: backends, settings, native dead marks and ownership (and hipache's keys when asked).
    /// With <paramref name="requiredOwner"/>, only when that writer owns it. Returns <c>removed</c>, <c>absent</c> or <c>conflict:&lt;owner&gt;</c>.
    /// </summary>
    public async Task<string> RemoveAsync(string name, string? requiredOwner, bool includeHipache)
    {
        RedisKey[] k =
        [
            keys.Backends(name), keys.Settings(name), keys.NativeDead(name), keys.Owners,
            keys.Frontend(name), keys.HipacheDead(name), keys.ChangedChannel,
        ];
        var result = await RedisScript.RemoveHost.EvaluateAsync(redis.GetDatabase(), k, [name, requiredOwner ?? string.Empty, includeHipache ? "1" : "0"]).ConfigureAwait(false);
        return (string)result!;
    }

    /// <summary>Every route name with its owner.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OwnersAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(keys.Owners).ConfigureAwait(false);
        return entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
    }

    private RedisKey[] ApplyKeys(string name) => [keys.Backends(name), keys.Settings(name), keys.Owners, keys.ChangedChannel];

    private static RedisValue[] ApplyArgs(HostSpec spec, string owner, OwnershipMode mode)
    {
        var args = new RedisValue[4 + spec.Settings.Count * 2 + spec.Backends.Count];
        args[0] = spec.Name;
        args[1] = owner;
        args[2] = mode switch { OwnershipMode.Claim => "claim", OwnershipMode.OwnedOnly => "owned-only", _ => "force" };
        args[3] = spec.Settings.Count;
        var i = 4;
        foreach (var (field, value) in spec.Settings)
        {
            args[i++] = field;
            args[i++] = value;
        }

        foreach (var url in spec.Backends)
        {
            args[i++] = url;
        }

        return args;
    }

    private static HostWriteResult ParseApply(string name, RedisResult[] result)
    {
        var status = (string)result[0]!;
        if (status != "ok")
        {
            return new HostWriteResult(name, [], [], 0, status["conflict:".Length..]);
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

        return new HostWriteResult(name, added, removed, int.Parse((string)result[^1]!), null);
    }
}
