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
    public long CertificateWrites;
    public long CertificateRemovals;
    public int CertificatesOwned;

    /// <summary>TLS Secret versions with bad PEM or a key that does not match (counted once per version).</summary>
    public long InvalidSecrets;

    /// <summary>Unix seconds of the last successful sync (0: never).</summary>
    public double LastSyncUnixSeconds;
}
