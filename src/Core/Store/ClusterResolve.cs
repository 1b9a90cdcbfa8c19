using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// A lookup on a Redis Cluster. One script cannot read keys of several slots, so each candidate name is read apart:
/// resolve.lua in cluster mode over that candidate's native keys (one slot, thanks to the hash tag: its path routes
/// included) and a plain LRANGE of hipache's <c>frontend:&lt;name&gt;</c> (its own slot). Every command is issued before
/// any is awaited, so StackExchange.Redis pipelines them to the nodes that hold them, in parallel; the first candidate
/// that matches wins, with the precedence of the single-node script (native, then hipache, then declared).
/// </summary>
/// <remarks>
/// The answer has the shape of the single-node script's, so both are parsed by one parser. Unlike the single-node
/// lookup it is not one snapshot of every candidate: each candidate is consistent in itself, which is what routing needs.
/// </remarks>
internal static class ClusterResolve
{
    public static async Task<RedisResult> ReadAsync(IDatabaseAsync db, RedisKeys keys, string[] candidates, long now, CommandFlags flags)
    {
        var scripts = new Task<RedisResult>[candidates.Length];
        var frontends = new Task<RedisValue[]>[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            var name = candidates[i];
            RedisKey[] native = [keys.Backends(name), keys.Settings(name), keys.NativeDead(name), keys.Paths(name), keys.Weights(name), keys.Expiry(name)];
            scripts[i] = RedisScript.Resolve.EvaluateReadOnlyAsync(db, native, [now, keys.Prefix, "cluster", name], flags);
            frontends[i] = db.ListRangeAsync(keys.Frontend(name), flags: flags);
        }

        try
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                var parts = (RedisResult[])(await scripts[i].ConfigureAwait(false))!;
                var candidate = RedisResult.Create((RedisValue)(i + 1));
                if ((string?)parts[0] == "native")
                {
                    parts[1] = candidate;
                    return RedisResult.Create(parts);
                }

                var frontend = await frontends[i].ConfigureAwait(false);
                if (frontend.Length > 0)
                {
                    // hipache's dead marks only for the winner: a second round trip, to one node, on this rare path.
                    var dead = db.SetMembersAsync(keys.HipacheDead(candidates[i]), flags);
                    var pttl = db.ExecuteAsync("PTTL", [keys.HipacheDead(candidates[i])], flags);
                    return RedisResult.Create(
                    [
                        RedisResult.Create((RedisValue)"hipache"), candidate, RedisResult.Create(frontend), parts[3],
                        RedisResult.Create(await dead.ConfigureAwait(false)), await pttl.ConfigureAwait(false), parts[6], parts[7], parts[8],
                    ]);
                }

                if ((long)parts[9] == 1)
                {
                    return RedisResult.Create(
                    [
                        RedisResult.Create((RedisValue)"declared"), candidate, RedisResult.Create(Array.Empty<RedisValue>()), parts[3],
                        RedisResult.Create(Array.Empty<RedisValue>()), RedisResult.Create((RedisValue)(-1)), RedisResult.Create(Array.Empty<RedisValue>()),
                        RedisResult.Create(Array.Empty<RedisValue>()), parts[8],
                    ]);
                }
            }
        }
        finally
        {
            // A failure above leaves later candidates' reads unobserved: observe them so they raise no unobserved-task event.
            foreach (var task in scripts.Concat<Task>(frontends))
            {
                _ = task.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        }

        return RedisResult.Create(RedisValue.Null);
    }
}
