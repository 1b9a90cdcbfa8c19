using Entrance.Core.Store;
using Entrance.Syncer.Mapping;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Sync;

/// <summary>
/// The TCP half of a sync pass, diffed like hosts: writes only ports whose route changed since the last successful
/// write (every one on a full resync) as owner <c>syncer</c>, never over a port someone else owns, and removes ports
/// it owns that no Service annotates any more.
/// </summary>
internal sealed class TcpSync(string owner, SyncStats stats, ILogger logger)
{
    private readonly Dictionary<int, string> _conflicts = [];
    private Dictionary<int, DesiredTcpRoute> _applied = [];

    /// <summary>Forgets what was written, so the next pass (a new leadership term) writes everything.</summary>
    public void Reset() => _applied.Clear();

    public async Task SyncAsync(TcpRouteWriter writer, IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, bool full,
        Action ensureLeader, Action<IReadOnlyList<string>> logWarnings)
    {
        var mapping = TcpRouteMapper.Map(services, slices);
        logWarnings(mapping.Warnings);
        var desired = mapping.Routes;
        var toRemove = _applied.Keys.Where(p => !desired.ContainsKey(p)).ToHashSet();
        if (full)
        {
            foreach (var (port, current) in await writer.OwnersAsync().ConfigureAwait(false))
            {
                if (current == owner && !desired.ContainsKey(port))
                {
                    toRemove.Add(port);
                }
            }
        }

        var applied = new Dictionary<int, DesiredTcpRoute>();
        foreach (var route in desired.Values.OrderBy(r => r.Port))
        {
            if (!full && _applied.TryGetValue(route.Port, out var old) && old.SameAs(route))
            {
                applied[route.Port] = old;
                continue;
            }

            ensureLeader();
            var result = await writer.ApplyAsync(new TcpRouteSpec(route.Port, route.Backends.ToList(), route.Settings), owner, OwnershipMode.OwnedOnly).ConfigureAwait(false);
            if (result.Conflict is { } other)
            {
                Interlocked.Increment(ref stats.Conflicts);
                if (!_conflicts.TryGetValue(route.Port, out var known) || known != other)
                {
                    _conflicts[route.Port] = other;
                    logger.LogWarning("conflict: TCP port {Port} published by {Source} is owned by {Owner} in Redis; left untouched", route.Port, route.Source, other);
                }

                continue;
            }

            _conflicts.Remove(route.Port);
            applied[route.Port] = route;
            if (result.Changed)
            {
                Interlocked.Increment(ref stats.RedisWrites);
                logger.LogInformation("TCP port {Port} ({Source}): +{Added} -{Removed} backends, {Settings} settings changed",
                    route.Port, route.Source, result.Added.Count, result.Removed.Count, result.SettingsChanged);
            }
        }

        foreach (var port in toRemove)
        {
            ensureLeader();
            var outcome = await writer.RemoveAsync(port, owner).ConfigureAwait(false);
            _conflicts.Remove(port);
            if (outcome.Outcome == RemoveOutcome.Removed)
            {
                Interlocked.Increment(ref stats.RedisRemovals);
                logger.LogInformation("TCP port {Port} removed: no Service annotates it any more", port);
            }
        }

        _applied = applied;
    }
}
