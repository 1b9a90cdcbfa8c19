using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli.Apply;

/// <summary>What apply will do to one TCP route. Property names are the JSON output.</summary>
public sealed record PlannedTcpChange(
    int Port,
    ChangeKind Kind,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    IReadOnlyDictionary<string, string?> SettingsFrom,
    IReadOnlyDictionary<string, string?> SettingsTo,
    string? ClaimedFrom);

/// <summary>
/// The <c>tcp:</c> half of an apply: the diff against Redis (computed before any write), the writes with owner
/// <c>apply</c>, and --prune of TCP routes an earlier apply wrote that the file no longer lists.
/// </summary>
public sealed class ApplyTcpPlan
{
    public required IReadOnlyList<PlannedTcpChange> Changes { get; init; }

    public required IReadOnlyList<ApplyTcpEntry> Writes { get; init; }

    public required int Unchanged { get; init; }

    public required IReadOnlyList<string> Conflicts { get; init; }

    public required IReadOnlyList<int> Stale { get; init; }

    public static async Task<ApplyTcpPlan> ComputeAsync(TcpRouteWriter writer, IReadOnlyList<ApplyTcpEntry> entries, bool prune)
    {
        var owners = await writer.OwnersAsync();
        var changes = new List<PlannedTcpChange>();
        var writes = new List<ApplyTcpEntry>();
        var conflicts = new List<string>();
        var unchanged = 0;
        foreach (var entry in entries)
        {
            var owner = owners.GetValueOrDefault(entry.Port);
            if (owner is not null && owner != ApplyPlan.Owner)
            {
                conflicts.Add($"tcp {entry.Port} is managed by '{owner}'; apply never takes over another writer's routes (line {entry.Line})");
                continue;
            }

            var current = await writer.ShowAsync(entry.Port);
            var have = current?.Backends ?? [];
            var added = entry.Backends.Where(b => !have.Contains(b)).ToArray();
            var removed = have.Where(b => !entry.Backends.Contains(b)).ToArray();
            var from = new Dictionary<string, string?>(StringComparer.Ordinal);
            var to = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var field in TcpRouteRules.Fields)
            {
                var old = current?.Settings.GetValueOrDefault(field);
                var wanted = entry.Settings.GetValueOrDefault(field);
                if (old != wanted)
                {
                    from[field] = old;
                    to[field] = wanted;
                }
            }

            var claimed = owner is null && current is not null ? "manual" : null;
            if (current is not null && added.Length == 0 && removed.Length == 0 && to.Count == 0 && claimed is null)
            {
                unchanged++;
                continue;
            }

            changes.Add(new PlannedTcpChange(entry.Port, current is null ? ChangeKind.Add : ChangeKind.Change, added, removed, from, to, claimed));
            writes.Add(entry);
        }

        var listed = entries.Select(e => e.Port).ToHashSet();
        var stale = owners.Where(o => o.Value == ApplyPlan.Owner && !listed.Contains(o.Key)).Select(o => o.Key).Order().ToList();
        if (prune)
        {
            foreach (var port in stale)
            {
                var current = await writer.ShowAsync(port);
                changes.Add(new PlannedTcpChange(port, ChangeKind.Remove, [], current?.Backends ?? [], new Dictionary<string, string?>(), new Dictionary<string, string?>(), null));
            }
        }

        return new ApplyTcpPlan { Changes = changes, Writes = writes, Unchanged = unchanged, Conflicts = conflicts, Stale = stale };
    }

    /// <summary>Writes and prunes; returns the failures (routes taken over meanwhile) and how many were written and removed.</summary>
    public async Task<(List<string> Failures, int Written, int Pruned)> ApplyAsync(TcpRouteWriter writer)
    {
        var failures = new List<string>();
        int written = 0, pruned = 0;
        foreach (var entry in Writes)
        {
            var result = await writer.ApplyAsync(new TcpRouteSpec(entry.Port, entry.Backends, ApplyTcpSection.FullSettings(entry)), ApplyPlan.Owner, OwnershipMode.Claim);
            if (result.Conflict is null)
            {
                written++;
            }
            else
            {
                failures.Add($"tcp {entry.Port} was taken over by '{result.Conflict}' meanwhile; not written");
            }
        }

        foreach (var change in Changes.Where(c => c.Kind == ChangeKind.Remove))
        {
            var removal = await writer.RemoveAsync(change.Port, ApplyPlan.Owner);
            if (removal.Outcome == RemoveOutcome.Conflict)
            {
                failures.Add($"tcp {change.Port} was taken over by '{removal.Owner}' meanwhile; not removed");
            }
            else
            {
                pruned++;
            }
        }

        return (failures, written, pruned);
    }

    public void Print(CliContext ctx, bool prune)
    {
        if (ctx.Quiet || ctx.ReportFormat == OutputFormat.Json)
        {
            return;
        }

        var o = ctx.Out;
        foreach (var change in Changes)
        {
            var note = change.Kind switch
            {
                ChangeKind.Add => " (new)",
                ChangeKind.Remove => " (pruned: no longer in the file)",
                _ when change.ClaimedFrom is not null => " (written by hand; apply takes it over)",
                _ => string.Empty,
            };
            o.WriteLine($"{(change.Kind switch { ChangeKind.Add => "+", ChangeKind.Remove => "-", _ => "~" })} tcp {change.Port}{note}");
            foreach (var backend in change.Added)
            {
                o.WriteLine($"    + {backend}");
            }

            foreach (var backend in change.Removed)
            {
                o.WriteLine($"    - {backend}");
            }

            foreach (var (field, to) in change.SettingsTo)
            {
                if (change.SettingsFrom.GetValueOrDefault(field) is { } from)
                {
                    o.WriteLine($"    - {field}: {from}");
                }

                if (to is not null)
                {
                    o.WriteLine($"    + {field}: {to}");
                }
            }
        }

        if (Changes.Count > 0 || Unchanged > 0)
        {
            o.WriteLine($"TCP: {Changes.Count(c => c.Kind == ChangeKind.Add)} to add, {Changes.Count(c => c.Kind == ChangeKind.Change)} to change, "
                + $"{Changes.Count(c => c.Kind == ChangeKind.Remove)} to remove, {Unchanged} unchanged.");
        }

        if (!prune && Stale.Count > 0)
        {
            o.WriteLine($"{Stale.Count} TCP route(s) created by an earlier apply are not in the file (kept; --prune removes them): {string.Join(", ", Stale.Take(5))}");
        }
    }
}
