namespace Entrance.Syncer.Sync;

/// <summary>What the sync loop has done, for /metrics and the tests.</summary>
public sealed class SyncStats
{
    public long RedisWrites;
    public long RedisRemovals;
    public long RedisErrors;
    public long Conflicts;
    public long Syncs;
    public long FullResyncs;
    public int HostsOwned;

    /// <summary>Unix seconds of the last successful sync (0: never).</summary>
    public double LastSyncUnixSeconds;
}
