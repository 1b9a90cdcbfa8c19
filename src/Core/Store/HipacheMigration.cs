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
        RedisKey[] k = [keys.Backends(name), keys.Frontend(name), keys.HipacheDead(name), keys.NativeDead(name), keys.ChangedChannel];
        var result = (RedisResult[])(await RedisScript.MigrateFrontend.EvaluateAsync(redis.Db, k, [name, now.ToUnixTimeMilliseconds(), dryRun ? "1" : "0"]).ConfigureAwait(false))!;
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
