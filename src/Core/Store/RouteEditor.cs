using StackExchange.Redis;

namespace Entrance.Core.Store;

public sealed record AddBackendsResult(RouteSchema Schema, IReadOnlyList<string> Added);

public sealed record RemoveBackendsResult(IReadOnlyList<string> Removed, int NativeLeft, int HipacheLeft);

/// <summary>
/// A person's small edits to one route (<c>route add/remove/lb</c>), each one Lua script that publishes
/// <c>entrance:changed</c>. Unlike <see cref="RouteWriter"/> they edit what is there, in whichever schema holds it.
/// </summary>
public sealed class RouteEditor(RedisConnection redis)
{
    public async Task<AddBackendsResult> AddBackendsAsync(string name, IReadOnlyList<string> urls)
    {
        var keys = redis.Keys;
        var result = (RedisResult[])(await RedisScript.AddBackends.EvaluateAsync(redis.Db, [keys.Backends(name), keys.Frontend(name), keys.ChangedChannel], Args(name, urls)).ConfigureAwait(false))!;
        var schema = (string)result[0]! == "hipache" ? RouteSchema.Hipache : RouteSchema.Native;
        return new AddBackendsResult(schema, result.Skip(1).Select(r => (string)r!).ToArray());
    }

    public async Task<RemoveBackendsResult> RemoveBackendsAsync(string name, IReadOnlyList<string> urls)
    {
        var keys = redis.Keys;
        RedisKey[] k = [keys.Backends(name), keys.NativeDead(name), keys.Frontend(name), keys.HipacheDead(name), keys.ChangedChannel];
        var result = (RedisResult[])(await RedisScript.RemoveBackends.EvaluateAsync(redis.Db, k, Args(name, urls)).ConfigureAwait(false))!;

        // removed..., '|', native backends left, hipache backends left
        var removed = result.Take(result.Length - 3).Select(r => (string)r!).ToArray();
        return new RemoveBackendsResult(removed, (int)result[^2], (int)result[^1]);
    }

    /// <summary>Sets settings fields (an empty value deletes one); returns how many changed.</summary>
    public async Task<int> SetSettingsAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var args = new List<RedisValue> { name };
        foreach (var (field, value) in settings)
        {
            args.Add(field);
            args.Add(value);
        }

        var keys = redis.Keys;
        var result = await RedisScript.SetSettings.EvaluateAsync(redis.Db, [keys.Settings(name), keys.ChangedChannel], args.ToArray()).ConfigureAwait(false);
        return (int)result;
    }

    private static RedisValue[] Args(string name, IReadOnlyList<string> urls)
    {
        var args = new RedisValue[urls.Count + 1];
        args[0] = name;
        for (var i = 0; i < urls.Count; i++)
        {
            args[i + 1] = urls[i];
        }

        return args;
    }
}
