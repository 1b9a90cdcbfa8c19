using System.CommandLine;
using Entrance.Cli.Input;
using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli.Tcp;

/// <summary><c>entrance tcp add|remove|list|show</c>: TCP routes by listening port (issue 16).</summary>
internal static class TcpCommands
{
    public static Command Create(CommandFactory factory)
    {
        var tcp = new Command("tcp", """
            Add, remove, list and inspect TCP routes: a router port (one of Entrance:Tcp:Ports) relayed to host:port backends.

            Examples:
              entrance tcp add 30001 10.0.0.5:5432 10.0.0.6:5432 --lb least-connections
              entrance tcp show 30001
              entrance tcp remove 30001
            """);
        tcp.Subcommands.Add(Add(factory));
        tcp.Subcommands.Add(Remove(factory));
        tcp.Subcommands.Add(List(factory));
        tcp.Subcommands.Add(Show(factory));
        return tcp;
    }

    private static Command Add(CommandFactory factory)
    {
        var port = new Argument<string>("port") { Description = "The router's listening port, 1-65535" };
        var backends = new Argument<string[]>("backend") { Description = "Backends as host:port (IP address or DNS name)", Arity = ArgumentArity.OneOrMore };
        var lb = new Option<string?>("--lb") { Description = $"Load-balancing policy: {string.Join(", ", TcpRouteRules.Policies)}", HelpName = "policy" };
        var proxy = new Option<string?>("--proxy-protocol") { Description = "Send a PROXY protocol header to the backend: v1 or v2", HelpName = "version" };
        var idle = new Option<string?>("--idle-timeout") { Description = "Close a connection idle this long, e.g. 10m", HelpName = "duration" };
        var connect = new Option<string?>("--connect-timeout") { Description = "Try the next backend after this long, e.g. 5s", HelpName = "duration" };
        var max = new Option<string?>("--max-connections") { Description = "Open connections allowed on this route per router", HelpName = "count" };
        var command = new Command("add", """
            Add backends to a TCP route (SADD entrance:tcp:<port>), creating it if new, and set the settings given;
            publishes entrance:changed tcp:<port>. Nothing is written when any input is invalid.

            Examples:
              entrance tcp add 30001 10.0.0.5:5432
              entrance tcp add 30002 mqtt-1.internal:1883 mqtt-2.internal:1883 --lb round-robin --proxy-protocol v2
            """) { port, backends, lb, proxy, idle, connect, max };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var errors = new List<string>();
            int number = 0;
            if (!TcpRouteRules.TryPort(parse.GetValue(port), out number, out var portError))
            {
                errors.Add(portError);
            }

            var list = TcpInput.Backends(parse.GetValue(backends) ?? [], errors);
            var settings = TcpInput.Settings(
            [
                (TcpRouteRules.LbField, parse.GetValue(lb)), (TcpRouteRules.ProxyProtocolField, parse.GetValue(proxy)),
                (TcpRouteRules.IdleTimeoutField, parse.GetValue(idle)), (TcpRouteRules.ConnectTimeoutField, parse.GetValue(connect)),
                (TcpRouteRules.MaxConnectionsField, parse.GetValue(max)),
            ], errors);
            if (errors.Count > 0)
            {
                throw new CliInputException(errors);
            }

            var writer = new TcpRouteWriter(await ctx.RedisAsync());
            WarnIfManaged(ctx, await OwnerAsync(writer, number), number);
            var result = await writer.AddAsync(number, list, settings);
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { port = number, added = result.Backends, settingsChanged = result.SettingsChanged, backends = result.BackendsLeft });
                return ExitCodes.Ok;
            }

            foreach (var backend in result.Backends)
            {
                ctx.Info($"+ tcp {number} {backend}");
            }

            ctx.Info(result.Backends.Count == 0 && result.SettingsChanged == 0
                ? $"tcp {number}: nothing to change"
                : $"tcp {number}: added {result.Backends.Count} backend(s), {result.SettingsChanged} setting(s) changed, {result.BackendsLeft} backend(s) now");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CommandFactory factory)
    {
        var port = new Argument<string>("port") { Description = "The router's listening port" };
        var backends = new Argument<string[]>("backend") { Description = "Backends to remove (host:port); none removes the whole route", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("remove", """
            Remove backends from a TCP route, or, with none named, the whole route: backends, settings, dead marks and
            ownership. Publishes entrance:changed tcp:<port>. Established connections are not cut.

            Examples:
              entrance tcp remove 30001 10.0.0.5:5432
              entrance tcp remove 30001
            """) { port, backends };
        command.Aliases.Add("rm");
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var errors = new List<string>();
            if (!TcpRouteRules.TryPort(parse.GetValue(port), out var number, out var portError))
            {
                errors.Add(portError);
            }

            var list = TcpInput.Backends(parse.GetValue(backends) ?? [], errors);
            if (errors.Count > 0)
            {
                throw new CliInputException(errors);
            }

            var writer = new TcpRouteWriter(await ctx.RedisAsync());
            WarnIfManaged(ctx, await OwnerAsync(writer, number), number);
            if (list.Count == 0)
            {
                var removed = (await writer.RemoveAsync(number)).Outcome == RemoveOutcome.Removed;
                if (ctx.ReportFormat == OutputFormat.Json)
                {
                    ctx.Json(new { port = number, routeRemoved = removed });
                }
                else
                {
                    ctx.Info(removed ? $"- tcp {number}: removed" : $"tcp {number}: no such route, nothing removed");
                }

                return ExitCodes.Ok;
            }

            var result = await writer.RemoveBackendsAsync(number, list);
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { port = number, removed = result.Backends, backendsLeft = result.BackendsLeft });
                return ExitCodes.Ok;
            }

            foreach (var backend in result.Backends)
            {
                ctx.Info($"- tcp {number} {backend}");
            }

            ctx.Info(result.Backends.Count == 0
                ? $"tcp {number}: none of those backends was there, nothing removed"
                : $"tcp {number}: removed {result.Backends.Count} backend(s), {result.BackendsLeft} left");
            if (result.Backends.Count > 0 && result.BackendsLeft == 0)
            {
                ctx.Warn($"tcp {number} has no backends left; new connections to it are closed");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandFactory factory)
    {
        var command = new Command("list", """
            List every TCP route: port, backend count, dead backends, owner, lb and PROXY protocol. Found with SCAN.

            Examples:
              entrance tcp list
              entrance tcp list --output json
            """);
        command.Aliases.Add("ls");
        factory.SetHandler(command, async (ctx, _) =>
        {
            var writer = new TcpRouteWriter(await ctx.RedisAsync());
            var views = new List<TcpRouteView>();
            foreach (var number in await writer.PortsAsync())
            {
                if (await writer.ShowAsync(number) is { } view)
                {
                    views.Add(view);
                }
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(views.Select(v => new
                {
                    port = v.Port,
                    backends = v.Backends.Count,
                    dead = DeadNow(v, now).Count,
                    owner = v.Owner ?? "manual",
                    lb = Setting(v, TcpRouteRules.LbField),
                    proxyProtocol = Setting(v, TcpRouteRules.ProxyProtocolField),
                }).ToArray());
                return ExitCodes.Ok;
            }

            Tables.Write(ctx, ["PORT", "BACKENDS", "DEAD", "OWNER", "LB", "PROXY"], views.Select(v => new[]
            {
                v.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Backends.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                DeadNow(v, now).Count.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Owner ?? "manual",
                Setting(v, TcpRouteRules.LbField) ?? "-", Setting(v, TcpRouteRules.ProxyProtocolField) ?? "-",
            }));
            if (ctx.DataFormat == OutputFormat.Table && !ctx.Quiet)
            {
                ctx.Out.WriteLine($"{views.Count} TCP route(s)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandFactory factory)
    {
        var port = new Argument<string>("port") { Description = "The router's listening port" };
        var command = new Command("show", """
            Show one TCP route: owner, settings, backends and their dead marks (and when those expire).

            Examples:
              entrance tcp show 30001
              entrance tcp show 30001 --output json
            """) { port };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var number = TcpInput.Port(parse.GetValue(port));
            var view = await new TcpRouteWriter(await ctx.RedisAsync()).ShowAsync(number);
            var now = DateTimeOffset.UtcNow;
            if (view is null)
            {
                if (ctx.DataFormat == OutputFormat.Json)
                {
                    ctx.Json(new { port = number, exists = false });
                }
                else
                {
                    ctx.Out.WriteLine($"tcp {number}: no such route (a router listening on it closes new connections)");
                }

                return ExitCodes.Ok;
            }

            var dead = DeadNow(view, now.ToUnixTimeMilliseconds());
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(new
                {
                    port = number,
                    exists = true,
                    owner = view.Owner ?? "manual",
                    settings = view.Settings,
                    backends = view.Backends.Select(b => new
                    {
                        address = b,
                        dead = dead.ContainsKey(b),
                        deadUntil = dead.TryGetValue(b, out var until) && until < DeadMarks.NeverExpires ? DateTimeOffset.FromUnixTimeMilliseconds(until) : (DateTimeOffset?)null,
                    }).ToArray(),
                });
                return ExitCodes.Ok;
            }

            var rows = new List<string[]> { new[] { "port", number.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new[] { "owner", view.Owner ?? "manual" } };
            rows.AddRange(view.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new[] { s.Key, s.Value }));
            if (view.Backends.Count == 0)
            {
                rows.Add(["backends", "none (new connections are closed)"]);
            }

            rows.AddRange(view.Backends.Select(b => new[] { "backend", dead.TryGetValue(b, out var until) ? $"{b}  DEAD until {Tables.Expiry(until, now)}" : b }));
            Tables.WriteFields(ctx, rows);

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Dictionary<string, long> DeadNow(TcpRouteView view, long nowUnixMs) =>
        view.Dead.Where(d => d.ExpiresAtUnixMs > nowUnixMs).ToDictionary(d => d.Backend, d => d.ExpiresAtUnixMs, StringComparer.Ordinal);

    private static string? Setting(TcpRouteView view, string field) => view.Settings.TryGetValue(field, out var value) ? value : null;

    private static async Task<string?> OwnerAsync(TcpRouteWriter writer, int port) =>
        (await writer.OwnersAsync()).TryGetValue(port, out var owner) ? owner : null;

    private static void WarnIfManaged(CliContext ctx, string? owner, int port)
    {
        if (owner is not null)
        {
            ctx.Warn($"tcp {port} is managed by '{owner}'; its next write may undo this change");
        }
    }
}
