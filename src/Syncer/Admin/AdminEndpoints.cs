using System.Globalization;
using System.Text;
using Entrance.Syncer.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Entrance.Syncer.Admin;

/// <summary>The admin listener, with the router's conventions: /healthz (alive), /readyz (caches filled, Redis up), /metrics.</summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (SyncerRuntime runtime) =>
        {
            var problems = new List<string>();
            if (!runtime.Engine.AllSynced)
            {
                problems.Add("informers not synced");
            }

            if (!runtime.Redis.IsConnected)
            {
                problems.Add("redis not connected");
            }

            return problems.Count == 0 ? Results.Text($"ok ({(runtime.Leadership.CanWrite ? "leader" : "standby")})\n") : Results.Text(string.Join("; ", problems) + "\n", statusCode: 503);
        });
        app.MapGet("/metrics", (SyncerRuntime runtime) => Results.Text(Metrics(runtime), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }

    /// <summary>Prometheus text exposition, written by hand.</summary>
    internal static string Metrics(SyncerRuntime runtime)
    {
        var s = runtime.Engine.Stats;
        var sb = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, double Value)> values)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in values)
            {
                sb.Append(name).Append(labels.Length == 0 ? string.Empty : "{" + labels + "}").Append(' ')
                  .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        Metric("entrance_syncer_objects_watched", "gauge", "Objects in the informer caches.",
            runtime.Engine.Watched.Select(w => ($"kind=\"{w.Kind}\"", (double)w.Count)));
        Metric("entrance_syncer_hosts_owned", "gauge", "Hosts this instance last wrote as owner syncer.", [(string.Empty, s.HostsOwned)]);
        Metric("entrance_syncer_redis_writes_total", "counter", "Host writes that changed Redis.", [(string.Empty, Interlocked.Read(ref s.RedisWrites))]);
        Metric("entrance_syncer_redis_removals_total", "counter", "Hosts removed from Redis.", [(string.Empty, Interlocked.Read(ref s.RedisRemovals))]);
        Metric("entrance_syncer_redis_errors_total", "counter", "Failed sync passes.", [(string.Empty, Interlocked.Read(ref s.RedisErrors))]);
        Metric("entrance_syncer_conflicts_total", "counter", "Writes refused because another writer owns the host.", [(string.Empty, Interlocked.Read(ref s.Conflicts))]);
        Metric("entrance_syncer_syncs_total", "counter", "Sync passes (full resyncs included).", [(string.Empty, Interlocked.Read(ref s.Syncs))]);
        Metric("entrance_syncer_full_resyncs_total", "counter", "Full resyncs.", [(string.Empty, Interlocked.Read(ref s.FullResyncs))]);
        Metric("entrance_syncer_last_sync_timestamp_seconds", "gauge", "Unix time of the last successful sync pass.", [(string.Empty, Volatile.Read(ref s.LastSyncUnixSeconds))]);
        Metric("entrance_syncer_leader", "gauge", "1 when this instance is the leader (writes), 0 when standby.", [(string.Empty, runtime.Leadership.CanWrite ? 1 : 0)]);
        var informers = runtime.Engine.InformerStats.ToList();
        Metric("entrance_syncer_watch_events_total", "counter", "Watch events received.", [(string.Empty, informers.Sum(i => Interlocked.Read(ref i.Events)))]);
        Metric("entrance_syncer_lists_total", "counter", "LIST calls (initial and after 410 Gone).", [(string.Empty, informers.Sum(i => Interlocked.Read(ref i.Lists)))]);
        Metric("entrance_syncer_watch_expired_total", "counter", "Watches that ended with 410 Gone and re-listed.", [(string.Empty, informers.Sum(i => Interlocked.Read(ref i.Expired)))]);
        Metric("entrance_syncer_watch_errors_total", "counter", "List or watch failures (retried with backoff).", [(string.Empty, informers.Sum(i => Interlocked.Read(ref i.Errors)))]);
        return sb.ToString();
    }
}
