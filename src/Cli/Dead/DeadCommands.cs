using System.CommandLine;
using Entrance.Cli.Input;
using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli.Dead;

/// <summary><c>entrance dead list|clear</c>: the dead marks routers and health checkers left, native and hipache.</summary>
internal static class DeadCommands
{
    public static Command Create(CommandFactory factory)
    {
        var dead = new Command("dead", """
            List and clear dead-backend marks (native entrance:dead:<host> and hipache dead:<host>).

            Examples:
              entrance dead list
              entrance dead clear shop.example.com
            """);
        dead.Subcommands.Add(List(factory));
        dead.Subcommands.Add(Clear(factory));
        return dead;
    }

    private static Command List(CommandFactory factory)
    {
        var host = new Argument<string?>("host") { Description = "Route name; all hosts when omitted", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("list", """
            List backends marked dead and when the marks expire (found with SCAN when no host is given).

            Examples:
              entrance dead list
              entrance dead list shop.example.com --output json
            """) { host };
        command.Aliases.Add("ls");
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var raw = parse.GetValue(host);
            var name = raw is null ? null : RouteInput.RouteName(raw);
            var now = DateTimeOffset.UtcNow;
            var entries = await new DeadMarks(await ctx.RedisAsync()).ListAsync(name, now);
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(entries.Select(e => new
                {
                    host = e.RouteName,
                    url = e.Url,
                    schema = e.Schema,
                    expires = e.ExpiresAtUnixMs == long.MaxValue ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(e.ExpiresAtUnixMs),
                }).ToArray());
                return ExitCodes.Ok;
            }

            Tables.Write(ctx, ["HOST", "BACKEND", "SCHEMA", "EXPIRES"],
                entries.Select(e => new[] { e.RouteName, e.Url, e.Schema.ToString().ToLowerInvariant(), Tables.Expiry(e.ExpiresAtUnixMs, now) }));
            if (ctx.DataFormat == OutputFormat.Table && !ctx.Quiet)
            {
                ctx.Out.WriteLine(entries.Count == 0 ? "No dead backends." : $"{entries.Count} dead backend(s)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Clear(CommandFactory factory)
    {
        var host = new Argument<string>("host") { Description = "Route name" };
        var command = new Command("clear", """
            Clear every dead mark of a host (native and hipache) so routers try all its backends again at once;
            publishes entrance:changed <host>.

            Example:
              entrance dead clear shop.example.com
            """) { host };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var name = RouteInput.RouteName(parse.GetValue(host));
            var cleared = await new DeadMarks(await ctx.RedisAsync()).ClearAsync(name);
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { host = name, cleared });
            }
            else
            {
                ctx.Info(cleared > 0 ? $"{name}: cleared {cleared} dead mark(s)" : $"{name}: no dead marks");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
