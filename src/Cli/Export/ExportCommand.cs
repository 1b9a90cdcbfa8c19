using System.CommandLine;
using System.Text;
using System.Text.Json;
using Entrance.Core.Schema;
using Entrance.Core.Store;

namespace Entrance.Cli.Export;

/// <summary><c>entrance export</c>: the current routes as an apply file, so export → apply round-trips.</summary>
internal static class ExportCommand
{
    public static Command Create(CommandFactory factory)
    {
        var format = new Option<string>("--format") { Description = "yaml or json", HelpName = "format", DefaultValueFactory = _ => "yaml" };
        format.AcceptOnlyFromAmong("yaml", "json");
        var match = new Option<string?>("--match") { Description = "Only route names matching this glob", HelpName = "glob" };
        var command = new Command("export", """
            Print the current routes in the apply file format: native hosts, hipache frontends (as the backends a router
            serves) and lb settings, then TCP routes (tcp:; not with --match). Applying the output to an empty Redis routes every host the same way.

            Examples:
              entrance export > routes.yaml
              entrance export --format json --match '*.example.com'
              entrance --redis old:6379 export | entrance --redis new:6379 apply -f -
            """) { format, match };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var redis = await ctx.RedisAsync();
            var routes = (await new RouteReader(redis).ReadAsync(await new RouteReader(redis).ScanRouteNamesAsync(parse.GetValue(match)))).Where(r => !r.IsEmpty).ToList();
            var tcp = parse.GetValue(match) is null ? await TcpExport.ReadAsync(redis) : []; // --match selects hosts only
            await ctx.Out.WriteAsync(parse.GetValue(format) == "json" ? ToJson(routes, tcp) : ToYaml(routes) + TcpExport.ToYaml(tcp));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static string ToYaml(IEnumerable<RouteData> routes)
    {
        var builder = new StringBuilder("hosts:\n");
        var any = false;
        foreach (var route in routes)
        {
            any = true;
            // Every string is double-quoted: '*' would start a YAML alias, and URLs carry ':'.
            builder.Append("  - host: ").Append(Quote(route.Name)).Append('\n');
            var backends = route.EffectiveBackends.Order(StringComparer.Ordinal).ToList();
            if (backends.Count == 0)
            {
                builder.Append("    backends: []\n");
            }
            else
            {
                builder.Append("    backends:\n");
                foreach (var url in backends)
                {
                    builder.Append("      - ");
                    _ = route.Weights.TryGetValue(url, out var weight) && weight != 1
                        ? builder.Append("{url: ").Append(Quote(url)).Append(", weight: ").Append(weight).Append('}')
                        : builder.Append(Quote(url));
                    builder.Append('\n');
                }
            }

            foreach (var (field, value) in ExportedSettings(route))
            {
                builder.Append("    ").Append(field).Append(": ").Append(Quote(value)).Append('\n');
            }
        }

        return any ? builder.ToString() : "hosts: []\n";
    }

    public static string ToJson(IEnumerable<RouteData> routes, IReadOnlyList<TcpRouteView>? tcp = null)
    {
        var hosts = routes.Select(r =>
        {
            var entry = new Dictionary<string, object>
            {
                ["host"] = r.Name,
                ["backends"] = r.EffectiveBackends.Order(StringComparer.Ordinal)
                    .Select(url => r.Weights.TryGetValue(url, out var w) && w != 1 ? new Dictionary<string, object> { ["url"] = url, ["weight"] = w } : (object)url)
                    .ToArray(),
            };
            foreach (var (field, value) in ExportedSettings(r))
            {
                entry[field] = value;
            }

            return entry;
        }).ToArray();
        return (tcp is { Count: > 0 }
            ? JsonSerializer.Serialize(new { hosts, tcp = TcpExport.ToJson(tcp) }, Output.JsonOutput.Options)
            : JsonSerializer.Serialize(new { hosts }, Output.JsonOutput.Options)) + "\n";
    }

    /// <summary>
    /// Every setting an apply file carries, in the file's order: apply removes a field the file leaves out, so an export
    /// that dropped one would lose it on the way back.
    /// </summary>
    private static IEnumerable<(string Field, string Value)> ExportedSettings(RouteData route) =>
        new[] { RedisKeys.LbField }.Concat(ForwardingSettings.Fields).Concat(BackendSettingRules.Fields)
            .Where(f => route.Settings.TryGetValue(f, out var v) && v.Length > 0)
            .Select(f => (f, route.Settings[f]));

    private static string Quote(string value) => JsonSerializer.Serialize(value, Output.JsonOutput.Lines);
}
