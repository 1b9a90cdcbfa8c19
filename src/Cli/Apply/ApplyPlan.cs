using Entrance.Core.Schema;
using Entrance.Core.Store;

namespace Entrance.Cli.Apply;

public enum ChangeKind
{
    Add,
    Change,
    Remove,
}

/// <summary>What apply will do to one route: backends added and removed, lb changed, ownership claimed. Property names are the JSON output.</summary>
public sealed record PlannedChange(
    string Host,
    ChangeKind Kind,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    string? LbFrom,
    string? LbTo,
    string? ClaimedFrom,
    bool ShadowsHipache)
{
    public bool LbChanged => !string.Equals(LbFrom, LbTo, StringComparison.Ordinal);

    /// <summary>Forwarding settings changed, as <c>field: old -> new</c> (<c>default</c> for absent).</summary>
    public IReadOnlyList<string> SettingChanges { get; init; } = [];
}

/// <summary>
/// The difference between an apply file and Redis, computed before anything is written, so a dry run and a real run
/// print the same diff and ownership conflicts are refused up front.
/// </summary>
public sealed class ApplyPlan
{
    /// <summary>The writer name recorded in <c>entrance:owners</c> for hosts written by apply.</summary>
    public const string Owner = "apply";

    public required IReadOnlyList<PlannedChange> Changes { get; init; }

    /// <summary>The file's hosts that need writing (new or changed), in file order.</summary>
    public required IReadOnlyList<ApplyEntry> Writes { get; init; }

    public required int Unchanged { get; init; }

    /// <summary>Hosts another writer (the Syncer) owns: apply refuses to touch them.</summary>
    public required IReadOnlyList<string> Conflicts { get; init; }

    /// <summary>Hosts apply created earlier that the file no longer lists (removed only with --prune).</summary>
    public required IReadOnlyList<string> Stale { get; init; }

    public bool HasChanges => Changes.Count > 0;

    public static ApplyPlan Compute(IReadOnlyList<ApplyEntry> entries, IReadOnlyDictionary<string, RouteData> current, IReadOnlyDictionary<string, string> owners, bool prune)
    {
        var changes = new List<PlannedChange>();
        var writes = new List<ApplyEntry>();
        var conflicts = new List<string>();
        var unchanged = 0;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            listed.Add(entry.Host);
            var route = current[entry.Host];
            var owner = owners.GetValueOrDefault(entry.Host);
            if (owner is not null && owner != Owner)
            {
                conflicts.Add($"{entry.Host} is managed by '{owner}'; apply never takes over another writer's hosts (line {entry.Line})");
                continue;
            }

            var wanted = entry.Backends.ToHashSet(StringComparer.Ordinal);
            var settingChanges = ForwardingChanges(route.Settings, entry.Forwarding).Concat(entry.Settings.Where(f => route.Settings.GetValueOrDefault(f.Key, string.Empty) != f.Value)
                .Select(f => $"{f.Key}: {Shown(route.Settings.GetValueOrDefault(f.Key, string.Empty))} -> {Shown(f.Value)}")).ToArray();
            if (!route.HasNative && route.HasHipache && wanted.SetEquals(route.HipacheBackends!) && route.LoadBalancing == entry.Lb && settingChanges.Length == 0)
            {
                // Served from its hipache frontend exactly as listed (an exported hipache route): nothing to write.
                unchanged++;
                continue;
            }

            var added = entry.Backends.Where(u => !route.NativeBackends.Contains(u, StringComparer.Ordinal)).ToArray();
            var removed = route.NativeBackends.Where(u => !wanted.Contains(u)).ToArray();
            var claimed = owner is null && !route.IsEmpty ? "manual" : null;
            var change = new PlannedChange(entry.Host, route.IsEmpty ? ChangeKind.Add : ChangeKind.Change, added, removed, route.LoadBalancing, entry.Lb, claimed,
                ShadowsHipache: !route.HasNative && route.HasHipache) { SettingChanges = settingChanges };
            // A ttl entry is a registration: written (extended) on every apply. Weights are compared as stored.
            var sameExtras = entry.Ttl is null && WeightsEqual(entry.Weights, route.Weights);
            if (added.Length == 0 && removed.Length == 0 && !change.LbChanged && settingChanges.Length == 0 && claimed is null && !(route.IsEmpty && owner is null) && sameExtras)
            {
                unchanged++;
                continue;
            }

            changes.Add(change);
            writes.Add(entry);
        }

        var stale = owners.Where(o => o.Value == Owner && !listed.Contains(o.Key)).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        if (prune)
        {
            foreach (var name in stale)
            {
                var route = current[name];
                changes.Add(new PlannedChange(name, ChangeKind.Remove, [], route.NativeBackends, route.LoadBalancing, null, null, false));
            }
        }

        return new ApplyPlan { Changes = changes, Writes = writes, Unchanged = unchanged, Conflicts = conflicts, Stale = stale };
    }

    /// <summary>The forwarding fields the file sets differently from Redis (a field the file leaves out is removed).</summary>
    private static string[] ForwardingChanges(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> wanted) =>
    [
        .. ForwardingSettings.Fields
            .Select(f => (Field: f, From: current.GetValueOrDefault(f), To: wanted.GetValueOrDefault(f)))
            .Where(c => !string.Equals(c.From, c.To, StringComparison.Ordinal))
            .Select(c => $"{c.Field}: {c.From ?? "default"} -> {c.To ?? "default"}"),
    ];

    private static bool WeightsEqual(IReadOnlyDictionary<string, int> wanted, IReadOnlyDictionary<string, int> stored) =>
        wanted.Count(w => w.Value != 1) == stored.Count(w => w.Value != 1)
        && wanted.All(w => w.Value == 1 || (stored.TryGetValue(w.Key, out var s) && s == w.Value));

    private static string Shown(string value) => value.Length == 0 ? "unset" : value;
}
