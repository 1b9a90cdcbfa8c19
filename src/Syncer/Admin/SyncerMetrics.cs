using Entrance.Hosting.Metrics;
using Entrance.Syncer.Sync;
using Prometheus;

namespace Entrance.Syncer.Admin;

/// <summary>
/// The Syncer's metrics (<c>entrance_syncer_*</c>): prometheus-net counters and gauges in this host's registry, set from
/// the runtime's own counters just before each scrape, so syncing itself never touches the exporter.
/// </summary>
public sealed class SyncerMetrics
{
    public SyncerMetrics(SyncerRuntime runtime, PrometheusExport export)
    {
        var f = export.Factory;
        var s = runtime.Engine.Stats;
        var watched = f.CreateGauge("entrance_syncer_objects_watched", "Objects in the informer caches.", ["kind"]);
        var hostsOwned = f.CreateGauge("entrance_syncer_hosts_owned", "Hosts this instance last wrote as owner syncer.");
        var writes = f.CreateCounter("entrance_syncer_redis_writes_total", "Host writes that changed Redis.");
        var removals = f.CreateCounter("entrance_syncer_redis_removals_total", "Hosts removed from Redis.");
        var errors = f.CreateCounter("entrance_syncer_redis_errors_total", "Failed sync passes.");
        var conflicts = f.CreateCounter("entrance_syncer_conflicts_total", "Writes refused because another writer owns the host.");
        var certificatesOwned = f.CreateGauge("entrance_syncer_certificates_owned", "Certificate names this instance last wrote as owner syncer.");
        var certificateWrites = f.CreateCounter("entrance_syncer_certificate_writes_total", "Certificate writes that changed Redis.");
        var certificateRemovals = f.CreateCounter("entrance_syncer_certificate_removals_total", "Certificates removed from Redis.");
        var invalidSecrets = f.CreateCounter("entrance_syncer_invalid_tls_secrets_total", "TLS Secret versions with bad PEM or a mismatched key (nothing written for them).");
        var syncs = f.CreateCounter("entrance_syncer_syncs_total", "Sync passes (full resyncs included).");
        var fullResyncs = f.CreateCounter("entrance_syncer_full_resyncs_total", "Full resyncs.");
        var lastSync = f.CreateGauge("entrance_syncer_last_sync_timestamp_seconds", "Unix time of the last successful sync pass.");
        var leader = f.CreateGauge("entrance_syncer_leader", "1 when this instance is the leader (writes), 0 when standby.");
        var events = f.CreateCounter("entrance_syncer_watch_events_total", "Watch events received.");
        var lists = f.CreateCounter("entrance_syncer_lists_total", "LIST calls (initial and after 410 Gone).");
        var expired = f.CreateCounter("entrance_syncer_watch_expired_total", "Watches that ended with 410 Gone and re-listed.");
        var watchErrors = f.CreateCounter("entrance_syncer_watch_errors_total", "List or watch failures (retried with backoff).");

        export.Registry.AddBeforeCollectCallback(() =>
        {
            foreach (var (kind, count) in runtime.Engine.Watched)
            {
                watched.WithLabels(kind).Set(count);
            }

            hostsOwned.Set(Volatile.Read(ref s.HostsOwned));
            writes.IncTo(Interlocked.Read(ref s.RedisWrites));
            removals.IncTo(Interlocked.Read(ref s.RedisRemovals));
            errors.IncTo(Interlocked.Read(ref s.RedisErrors));
            conflicts.IncTo(Interlocked.Read(ref s.Conflicts));
            certificatesOwned.Set(Volatile.Read(ref s.CertificatesOwned));
            certificateWrites.IncTo(Interlocked.Read(ref s.CertificateWrites));
            certificateRemovals.IncTo(Interlocked.Read(ref s.CertificateRemovals));
            invalidSecrets.IncTo(Interlocked.Read(ref s.InvalidSecrets));
            syncs.IncTo(Interlocked.Read(ref s.Syncs));
            fullResyncs.IncTo(Interlocked.Read(ref s.FullResyncs));
            lastSync.Set(Volatile.Read(ref s.LastSyncUnixSeconds));
            leader.Set(runtime.Leadership.CanWrite ? 1 : 0);
            var informers = runtime.Engine.InformerStats.ToList();
            events.IncTo(informers.Sum(i => Interlocked.Read(ref i.Events)));
            lists.IncTo(informers.Sum(i => Interlocked.Read(ref i.Lists)));
            expired.IncTo(informers.Sum(i => Interlocked.Read(ref i.Expired)));
            watchErrors.IncTo(informers.Sum(i => Interlocked.Read(ref i.Errors)));
        });
    }
}
