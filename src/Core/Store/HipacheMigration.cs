using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

public enum MigrateStatus
{
    Migrated,
    WouldMigrate,
    NativeExists,
    NoBackends,
}

public sealed record MigrateResult(string Name, MigrateStatus Status, IReadOnlyList<string> Backends);

/// <summary><c>migrate-hipache</c>: copies hipache frontends into native sets, one atomic script per route.</summary>
public sealed class HipacheMigration(RedisConnection redis)
{
    /// <summary>Route names of every hipache frontend, found with SCAN.</summary>
    public async Task<IReadOnlyList<string>> ScanFrontendsAsync()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var name in KeyScan.RouteNamesAsync(redis, RedisKeys.FrontendPart).ConfigureAwait(false))
        {
            names.Add(name);
        }

        return names.ToList();
    }

    /// <summary>Copies one hipache frontend into a native set (unless one exists), with its dead marks.</summary>
    public async Task<MigrateResult> MigrateAsync(string name, bool dryRun, DateTimeOffset now)
    {
        var keys = redis.Keys;
        if (keys.HashTags)
        {
            // hipache's keys and the native ones live in different slots of a cluster: no script can copy one into the other.
            throw new RouteWriteRefusedException("migrate-hipache is not supported on a Redis Cluster (hipache's keys and Entrance's native keys are in different slots); migrate on a single node, or re-add the backends with entrance route add");
        }

        RedisKey[] k = [keys.Backends(name), keys.Frontend(name), keys.HipacheDead(name), keys.NativeDead(name)];
        var result = (RedisResult[])(await RedisScript.MigrateFrontend.EvaluateAsync(redis.Db, k, [name, now.ToUnixTimeMilliseconds(), dryRun ? "1" : "0", keys.ChangedChannel]).ConfigureAwait(false))!;
        var status = (string)result[0]! switch
        {
            "migrated" => MigrateStatus.Migrated,
            "would-migrate" => MigrateStatus.WouldMigrate,
            "native-exists" => MigrateStatus.NativeExists,
            _ => MigrateStatus.NoBackends,
        };
        return new MigrateResult(name, status, result.Skip(1).Select(r => (string)r!).ToArray());
    }
}
