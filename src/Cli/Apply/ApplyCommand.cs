using System.CommandLine;
using System.Diagnostics;
using Entrance.Cli.Input;
using Entrance.Cli.Output;
using Entrance.Core.Schema;
using Entrance.Core.Store;
using Spectre.Console;

namespace Entrance.Cli.Apply;

/// <summary><c>entrance apply -f &lt;file&gt;</c>: make Redis hold exactly the file's hosts, each host atomically, pipelined.</summary>
internal static class ApplyCommand
{
    public static Command Create(CommandFactory factory)
    {
        var file = new Option<string>("--file", "-f") { Description = "The apply file, YAML or JSON; '-' reads standard input", HelpName = "file", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the diff and write nothing; exit 3 when there are changes, 0 when none (a CI gate)" };
        var prune = new Option<bool>("--prune") { Description = "Also remove hosts an earlier apply created that the file no longer lists (never hand-written or Syncer hosts)" };
        var command = new Command("apply", """
            Declaratively set hosts from a file: prints the diff (+/- per backend and setting), then writes each changed host
            atomically (a router never sees a half-applied host or an empty backend set). Idempotent: applying the same
            file again changes nothing and says so. Hosts written by apply are recorded as owned by 'apply'.

            File (YAML, or the same shape in JSON):
              hosts:
                - host: shop.example.com
                  backends: ["http://10.0.0.5:8080", "http://10.0.0.6:8080"]
                  lb: round-robin
                  backend_timeout: 5m      # optional: connect_timeout, backend_timeout, max_body, preserve_host
                  sticky: 1                 # or a cookie name; sticky_on: JSESSIONID pins once the app sets it
                  health_path: /healthz     # health_interval: 5s, health_timeout: 2s, health_fails: 3, health_passes: 2
              tcp:                      # optional: TCP routes by router port
                - port: 30001
                  backends: ["10.0.0.5:5432"]
                  lb: least-connections  # also proxy_protocol, idle_timeout, connect_timeout, max_connections

            Examples:
              entrance apply -f routes.yaml
              entrance apply -f routes.yaml --dry-run     # exit 3 when changes are pending
              render-routes | entrance apply -f - --prune
            """) { file, dryRun, prune };
        factory.SetHandler(command, (ctx, parse) => RunAsync(ctx, parse.GetValue(file)!, parse.GetValue(dryRun), parse.GetValue(prune)));
        return command;
    }

    private static async Task<int> RunAsync(CliContext ctx, string path, bool dryRun, bool prune)
    {
        // Everything is read and checked before the first write: a bad file never leaves Redis half-applied.
        var (text, name) = Read(ctx, path);
        var (entries, tcpEntries) = ApplyFile.ParseAll(text, name);
        var watch = Stopwatch.StartNew();
        var redis = await ctx.RedisAsync();
        var writer = new RouteWriter(redis);
        var owners = await writer.OwnersAsync();
        var names = entries.Select(e => e.Host).ToList();
        if (prune)
        {
            var listed = names.ToHashSet(StringComparer.Ordinal);
            names.AddRange(owners.Where(o => o.Value == ApplyPlan.Owner && !listed.Contains(o.Key)).Select(o => o.Key));
        }

        var current = (await new RouteReader(redis).ReadAsync(names)).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var plan = ApplyPlan.Compute(entries, current, owners, prune);
        var tcpWriter = new TcpRouteWriter(redis);
        var tcpPlan = await ApplyTcpPlan.ComputeAsync(tcpWriter, tcpEntries, prune);
        if (plan.Conflicts.Count + tcpPlan.Conflicts.Count > 0)
        {
            throw new CliInputException([.. plan.Conflicts.Concat(tcpPlan.Conflicts).Select(c => $"{name}: {c}"), "nothing was written"]);
        }

        PrintPlan(ctx, plan, prune, dryRun);
        tcpPlan.Print(ctx, prune);
        var hasChanges = plan.HasChanges || tcpPlan.Changes.Count > 0;
        if (dryRun || !hasChanges)
        {
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { dryRun, applied = false, changes = plan.Changes, unchanged = plan.Unchanged, tcp = tcpPlan.Changes });
            }

            return dryRun && hasChanges ? ExitCodes.ChangesPending : ExitCodes.Ok;
        }

        var specs = plan.Writes.Select(e => new RouteSpec(e.Host, e.Backends, SettingsOf(e))
        {
            Weights = e.Weights,
            Ttl = e.Ttl,
        }).ToList();
        var results = await WriteAsync(ctx, writer, specs);
        var failures = results.Where(r => r.Conflict is not null).Select(r => $"{r.Name} was taken over by '{r.Conflict}' meanwhile; not written").ToList();
        var pruned = 0;
        if (prune)
        {
            var removals = plan.Changes.Where(c => c.Kind == ChangeKind.Remove).Select(c => (c.Host, Task: writer.RemoveAsync(c.Host, ApplyPlan.Owner, includeHipache: false))).ToList();
            foreach (var (host, task) in removals)
            {
                var removal = await task;
                if (removal.Outcome == RemoveOutcome.Conflict)
                {
                    failures.Add($"{host} was taken over by '{removal.Owner}' meanwhile; not removed");
                }
                else
                {
                    pruned++;
                }
            }
        }

        var (tcpFailures, tcpWritten, tcpPruned) = await tcpPlan.ApplyAsync(tcpWriter);
        failures.AddRange(tcpFailures);
        var written = results.Count(r => r.Conflict is null);
        if (ctx.ReportFormat == OutputFormat.Json)
        {
            ctx.Json(new { dryRun, applied = true, changes = plan.Changes, unchanged = plan.Unchanged, written, pruned, tcp = tcpPlan.Changes, tcpWritten, tcpPruned, failures, elapsedMs = watch.ElapsedMilliseconds });
        }
        else
        {
            ctx.Info($"Applied: {written} host(s) written, {pruned} removed, {plan.Unchanged} unchanged"
                + (tcpPlan.Changes.Count + tcpPlan.Unchanged > 0 ? $"; {tcpWritten} TCP route(s) written, {tcpPruned} removed, {tcpPlan.Unchanged} unchanged" : string.Empty)
                + $" in {watch.ElapsedMilliseconds} ms.");
        }

        foreach (var failure in failures)
        {
            await ctx.Err.WriteLineAsync("error: " + failure);
        }

        return failures.Count > 0 ? ExitCodes.Failure : ExitCodes.Ok;
    }

    /// <summary>The settings apply writes: lb and the forwarding fields, exactly as the file has them (absent ones removed).</summary>
    private static Dictionary<string, string> SettingsOf(ApplyEntry entry)
    {
        var settings = new Dictionary<string, string>(entry.Settings, StringComparer.Ordinal) { [RedisKeys.LbField] = entry.Lb ?? string.Empty };
        foreach (var field in ForwardingSettings.Fields)
        {
            settings[field] = entry.Forwarding.GetValueOrDefault(field) ?? string.Empty;
        }

        return settings;
    }

    private static (string Text, string Name) Read(CliContext ctx, string path)
    {
        if (path == "-")
        {
            return (ctx.In.ReadToEnd(), "<stdin>");
        }

        try
        {
            return (File.ReadAllText(path), path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot read {path}: {ex.Message}");
        }
    }

    private static async Task<IReadOnlyList<RouteWriteResult>> WriteAsync(CliContext ctx, RouteWriter writer, List<RouteSpec> specs)
    {
        // A progress bar only for a person at a terminal; pipes and CI logs get none.
        var stderrRedirected = ReferenceEquals(ctx.Err, Console.Error) && Console.IsErrorRedirected;
        if (!ctx.IsTerminal || stderrRedirected || ctx.Quiet || ctx.ReportFormat == OutputFormat.Json || specs.Count < 100)
        {
            return await writer.ApplyManyAsync(specs, ApplyPlan.Owner, OwnershipMode.Claim);
        }

        IReadOnlyList<RouteWriteResult> results = [];
        await Tables.Console(ctx.Err, isTerminal: true).Progress()
            .AutoClear(true)
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("Applying hosts", maxValue: specs.Count);
                results = await writer.ApplyManyAsync(specs, ApplyPlan.Owner, OwnershipMode.Claim, new DirectProgress(done => task.Value = done));
            });
        return results;
    }

    private static void PrintPlan(CliContext ctx, ApplyPlan plan, bool prune, bool dryRun)
    {
        if (ctx.Quiet || ctx.ReportFormat == OutputFormat.Json)
        {
            return;
        }

        var o = ctx.Out;
        foreach (var change in plan.Changes)
        {
            var note = change.Kind switch
            {
                ChangeKind.Add => " (new)",
                ChangeKind.Remove => " (pruned: no longer in the file)",
                _ when change.ClaimedFrom is not null => " (written by hand; apply takes it over)",
                _ => string.Empty,
            };
            if (change.ShadowsHipache)
            {
                note += " (native backends now take precedence over its hipache frontend)";
            }

            o.WriteLine($"{(change.Kind switch { ChangeKind.Add => "+", ChangeKind.Remove => "-", _ => "~" })} {change.Host}{note}");
            foreach (var url in change.Added)
            {
                o.WriteLine($"    + {url}");
            }

            foreach (var url in change.Removed)
            {
                o.WriteLine($"    - {url}");
            }

            foreach (var setting in change.SettingChanges)
            {
                o.WriteLine($"    ~ {setting}");
            }

            if (change.LbChanged)
            {
                if (change.LbFrom is not null)
                {
                    o.WriteLine($"    - lb: {change.LbFrom}");
                }

                if (change.LbTo is not null)
                {
                    o.WriteLine($"    + lb: {change.LbTo}");
                }
            }
        }

        var adds = plan.Changes.Count(c => c.Kind == ChangeKind.Add);
        var updates = plan.Changes.Count(c => c.Kind == ChangeKind.Change);
        var removes = plan.Changes.Count(c => c.Kind == ChangeKind.Remove);
        if (!plan.HasChanges)
        {
            o.WriteLine($"No changes: {plan.Unchanged} host(s) already up to date.");
        }
        else
        {
            o.WriteLine($"Plan: {adds} to add, {updates} to change, {removes} to remove, {plan.Unchanged} unchanged.{(dryRun ? " Dry run: nothing written." : string.Empty)}");
        }

        if (!prune && plan.Stale.Count > 0)
        {
            o.WriteLine($"{plan.Stale.Count} host(s) created by an earlier apply are not in the file (kept; --prune removes them): {string.Join(", ", plan.Stale.Take(5))}{(plan.Stale.Count > 5 ? ", ..." : string.Empty)}");
        }
    }

    /// <summary>Reports synchronously: <see cref="Progress{T}"/> would post to the thread pool and lag behind.</summary>
    private sealed class DirectProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
