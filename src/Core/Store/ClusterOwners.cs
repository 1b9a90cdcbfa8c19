using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// Owner records read whole: one hash on a single node; on a Redis Cluster one hash per host (port, certificate name),
/// so every owner hash is found with SCAN on every master and read pipelined.
/// </summary>
internal static class ClusterOwners
{
    /// <param name="single">The one owners hash of the single-node layout.</param>
    /// <param name="part">The per-host owners key part of the cluster layout (<see cref="RedisKeys.OwnersPart"/>...).</param>
    public static async Task<Dictionary<string, string>> AllAsync(RedisConnection redis, string single, string part)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        var db = redis.Db;
        if (!redis.IsCluster)
        {
            foreach (var e in await db.HashGetAllAsync(single).ConfigureAwait(false))
            {
                owners[(string)e.Name!] = (string)e.Value!;
            }

            return owners;
        }

        var reads = new List<Task<HashEntry[]>>();
        await foreach (var key in KeyScan.KeysAsync(redis, part).ConfigureAwait(false))
        {
            reads.Add(db.HashGetAllAsync(key));
        }

        foreach (var read in reads)
        {
            foreach (var e in await read.ConfigureAwait(false))
            {
                owners[(string)e.Name!] = (string)e.Value!;
            }
        }

        return owners;
    }
}
