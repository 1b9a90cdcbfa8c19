using System.Diagnostics.Metrics;
using Entrance.Syncer.Sync;

namespace Entrance.Syncer.Admin;

/// <summary>
/// The Syncer's metrics: observable instruments over the runtime's own counters, read at scrape time, on the meter
/// <c>Entrance.Syncer</c>. prometheus-net's MeterAdapter exports <c>&lt;meter&gt;_&lt;instrument&gt;</c>, so
/// <c>redis_writes_total</c> is <c>entrance_syncer_redis_writes_total</c>.
/// </summary>
public sealed class SyncerMetrics
{
    public const string MeterName = "Entrance.Syncer";

    public SyncerMetrics(SyncerRuntime runtime, IMeterFactory meters)
    {
        var meter = meters.Create(new MeterOptions(MeterName));
        var s = runtime.Engine.Stats;
        meter.CreateObservableGauge("objects_watched",
            () => runtime.Engine.Watched.Select(w => new Measurement<int>(w.Count, new KeyValuePair<string, object?>("kind", w.Kind))).ToArray(),
            description: "Objects in the informer caches.");
        meter.CreateObservableGauge("hosts_owned", () => Volatile.Read(ref s.HostsOwned), description: "Hosts this instance last wrote as owner syncer.");
        meter.CreateObservableCounter("redis_writes_total", () => Interlocked.Read(ref s.RedisWrites), description: "Host writes that changed Redis.");
        meter.CreateObservableCounter("redis_removals_total", () => Interlocked.Read(ref s.RedisRemovals), description: "Hosts removed from Redis.");
        meter.CreateObservableCounter("redis_errors_total", () => Interlocked.Read(ref s.RedisErrors), description: "Failed sync passes.");
        meter.CreateObservableCounter("conflicts_total", () => Interlocked.Read(ref s.Conflicts), description: "Writes refused because another writer owns the host.");
        meter.CreateObservableGauge("certificates_owned", () => Volatile.Read(ref s.CertificatesOwned), description: "Certificate names this instance last wrote as owner syncer.");
        meter.CreateObservableCounter("certificate_writes_total", () => Interlocked.Read(ref s.CertificateWrites), description: "Certificate writes that changed Redis.");
        meter.CreateObservableCounter("certificate_removals_total", () => Interlocked.Read(ref s.CertificateRemovals), description: "Certificates removed from Redis.");
        meter.CreateObservableCounter("invalid_tls_secrets_total", () => Interlocked.Read(ref s.InvalidSecrets), description: "TLS Secret versions with bad PEM or a mismatched key (nothing written for them).");
        meter.CreateObservableCounter("syncs_total", () => Interlocked.Read(ref s.Syncs), description: "Sync passes (full resyncs included).");
        meter.CreateObservableCounter("full_resyncs_total", () => Interlocked.Read(ref s.FullResyncs), description: "Full resyncs.");
        meter.CreateObservableGauge("last_sync_timestamp_seconds", () => Volatile.Read(ref s.LastSyncUnixSeconds), description: "Unix time of the last successful sync pass.");
        meter.CreateObservableGauge("leader", () => runtime.Leadership.CanWrite ? 1 : 0, description: "1 when this instance is the leader (writes), 0 when standby.");
        meter.CreateObservableCounter("watch_events_total", () => runtime.Engine.InformerStats.Sum(i => Interlocked.Read(ref i.Events)), description: "Watch events received.");
        meter.CreateObservableCounter("lists_total", () => runtime.Engine.InformerStats.Sum(i => Interlocked.Read(ref i.Lists)), description: "LIST calls (initial and after 410 Gone).");
        meter.CreateObservableCounter("watch_expired_total", () => runtime.Engine.InformerStats.Sum(i => Interlocked.Read(ref i.Expired)), description: "Watches that ended with 410 Gone and re-listed.");
        meter.CreateObservableCounter("watch_errors_total", () => runtime.Engine.InformerStats.Sum(i => Interlocked.Read(ref i.Errors)), description: "List or watch failures (retried with backoff).");
    }
}
