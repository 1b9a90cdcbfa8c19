using Entrance.Core.Hosts;
using StackExchange.Redis;

namespace Entrance.Core.Store;

public sealed record AddBackendsResult(RouteSchema Schema, IReadOnlyList<string> Added);

/// <summary>A write Redis refused for a reason a person can act on (a TTL on a hipache frontend...).</summary>
public sealed class RouteWriteRefusedException(string message) : Exception(message);

public sealed record RemoveBackendsResult(IReadOnlyList<string> Removed, int NativeLeft, int HipacheLeft);

/// <summary>
/// A person's small edits to one route (<c>route add/remove/lb</c>), each one Lua script that publishes
/// <c>entrance:changed</c>. Unlike <see cref="RouteWriter"/> they edit what is there, in whichever schema holds it.
/// </summary>
public sealed class RouteEditor(RedisConnection redis)
{
    /// <param name="weight">Sets the backends' weight (0..10000); null leaves their weights as they are.</param>
    /// <param name="ttl">Registers the backends for this long from now by Redis's clock (adding again extends it); null makes them permanent.</param>
    public async Task<AddBackendsResult> AddBackendsAsync(string name, IReadOnlyList<string> urls, int? weight = null, TimeSpan? ttl = null)
    {
        var keys = redis.Keys;
        var (host, prefix) = RoutePath.Split(name);
        if (keys.HashTags && weight is null && ttl is null && await ClusterHipache.AddAsync(redis, name, urls).ConfigureAwait(false) is { } appended)
        {
            return new AddBackendsResult(RouteSchema.Hipache, appended);
        }

        RedisKey[] k = [keys.Backends(name), keys.HipacheInSlot(keys.Frontend(name), name), keys.Paths(host), keys.Weights(name), keys.Expiry(name)];
        var args = Args(name, urls, 4, keys.ChangedChannel);
        args[1] = prefix ?? string.Empty;
        args[2] = weight is { } w ? w : string.Empty;
        args[3] = ttl is { } t ? (long)t.TotalMilliseconds : string.Empty;
        var result = (RedisResult[])(await RedisScript.AddBackends.EvaluateAsync(redis.Db, k, args).ConfigureAwait(false))!;
        var status = (string)result[0]!;
        if (status.StartsWith("error:", StringComparison.Ordinal))
        {
            throw new RouteWriteRefusedException(status["error:".Length..]);
        }

        var schema = status == "hipache" ? RouteSchema.Hipache : RouteSchema.Native;
        return new AddBackendsResult(schema, result.Skip(1).Select(r => (string)r!).ToArray());
    }

    public async Task<RemoveBackendsResult> RemoveBackendsAsync(string name, IReadOnlyList<string> urls)
    {
        var keys = redis.Keys;
        var (host, prefix) = RoutePath.Split(name);
        RedisKey[] k =
        [
            keys.Backends(name), keys.NativeDead(name), keys.HipacheInSlot(keys.Frontend(name), name), keys.HipacheInSlot(keys.HipacheDead(name), name),
            keys.Paths(host), keys.Weights(name), keys.Expiry(name), keys.Settings(name),
        ];
        var args = Args(name, urls, 2, keys.ChangedChannel);
        args[1] = prefix ?? string.Empty;
        var result = (RedisResult[])(await RedisScript.RemoveBackends.EvaluateAsync(redis.Db, k, args).ConfigureAwait(false))!;

        // removed..., '|', native backends left, hipache backends left
        var removed = result.Take(result.Length - 3).Select(r => (string)r!).ToArray();
        if (keys.HashTags)
        {
            var hipache = await ClusterHipache.RemoveBackendsAsync(redis, name, urls).ConfigureAwait(false);
            return new RemoveBackendsResult([.. removed.Union(hipache.Removed, StringComparer.Ordinal)], (int)result[^2], hipache.Left);
        }

        return new RemoveBackendsResult(removed, (int)result[^2], (int)result[^1]);
    }

    /// <summary>Sets settings fields (an empty value deletes one); returns how many changed.</summary>
    public async Task<int> SetSettingsAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var (host, prefix) = RoutePath.Split(name);
        var args = new List<RedisValue> { name, prefix ?? string.Empty };
        foreach (var (field, value) in settings)
        {
            args.Add(field);
            args.Add(value);
        }

        var keys = redis.Keys;
        args.Add(keys.ChangedChannel);
        var result = await RedisScript.SetSettings.EvaluateAsync(redis.Db, [keys.Settings(name), keys.Paths(host), keys.Backends(name)], args.ToArray()).ConfigureAwait(false);
        return (int)result;
    }

    /// <summary>The name, <paramref name="fixedCount"/> - 1 slots for the caller, the URLs, then the changed channel.</summary>
    private static RedisValue[] Args(string name, IReadOnlyList<string> urls, int fixedCount, string channel)
    {
        var args = new RedisValue[urls.Count + fixedCount + 1];
        args[0] = name;
        for (var i = 0; i < urls.Count; i++)
        {
            args[i + fixedCount] = urls[i];
        }

        args[^1] = channel;
        return args;
    }
}
