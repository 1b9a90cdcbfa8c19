using System.CommandLine;
using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli.Migrate;

/// <summary><c>entrance migrate-hipache</c>: copy hipache frontend lists into native sets, one atomic script per host.</summary>
internal static class MigrateHipacheCommand
{
    public static Command Create(CommandFactory factory)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be copied; write nothing" };
        var command = new Command("migrate-hipache", """
            Copy every hipache frontend:<host> list into entrance:backends:<host> (its dead marks too). Hosts that already
            have a native set are skipped. The hipache keys stay, shadowed by the native set, as a way back.
            Migrated hosts count as hand-written (apply --prune never removes them). Publishes entrance:changed <host>.
            --dry-run exits 3 when something would be copied, 0 when nothing is left to migrate.

            Examples:
              entrance migrate-hipache --dry-run
              entrance migrate-hipache
            """) { dryRun };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var dry = parse.GetValue(dryRun);
            var migration = new HipacheMigration(await ctx.RedisAsync());
            var now = DateTimeOffset.UtcNow;
            var names = await migration.ScanFrontendsAsync();
            var tasks = names.Select(n => migration.MigrateAsync(n, dry, now)).ToList();
            var results = new List<MigrateResult>(tasks.Count);
            foreach (var task in tasks)
            {
                results.Add(await task);
            }

            var copied = results.Count(r => r.Status is MigrateStatus.Migrated or MigrateStatus.WouldMigrate);

            // Like apply --dry-run: a script or CI step can tell "something left to migrate" from the exit code.
            var exit = dry && copied > 0 ? ExitCodes.ChangesPending : ExitCodes.Ok;
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { dryRun = dry, hosts = results.Select(r => new { host = r.Name, status = r.Status, backends = r.Backends }).ToArray() });
                return exit;
            }

            foreach (var result in results)
            {
                ctx.Info(result.Status switch
                {
                    MigrateStatus.Migrated or MigrateStatus.WouldMigrate => $"+ {result.Name} ({result.Backends.Count} backend(s): {string.Join(' ', result.Backends)})",
                    MigrateStatus.NativeExists => $"= {result.Name}: native set exists, skipped",
                    _ => $"! {result.Name}: hipache frontend has no backends, skipped",
                });
            }

            ctx.Info(dry
                ? $"Dry run: {copied} of {results.Count} hipache frontend(s) would be copied; nothing written."
                : $"Copied {copied} of {results.Count} hipache frontend(s) into native sets.");
            return exit;
        });
        return command;
    }
}
