using System.Text;
using System.Text.Json;
using Entrance.Core.Store;

namespace Entrance.Cli.Export;

/// <summary>The <c>tcp:</c> section of <c>entrance export</c>: every TCP route with its backends and settings, as apply reads it.</summary>
internal static class TcpExport
{
    public static async Task<IReadOnlyList<TcpRouteView>> ReadAsync(RedisConnection redis)
    {
        var writer = new TcpRouteWriter(redis);
        var views = new List<TcpRouteView>();
        foreach (var port in await writer.PortsAsync())
        {
            if (await writer.ShowAsync(port) is { } view)
            {
                views.Add(view);
            }
        }

        return views;
    }

    public static string ToYaml(IReadOnlyList<TcpRouteView> routes)
    {
        if (routes.Count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder("tcp:\n");
        foreach (var route in routes)
        {
            builder.Append("  - port: ").Append(route.Port).Append('\n');
            builder.Append(route.Backends.Count == 0 ? "    backends: []\n" : "    backends:\n");
            foreach (var backend in route.Backends)
            {
                builder.Append("      - ").Append(Quote(backend)).Append('\n');
            }

            foreach (var (field, value) in Known(route))
            {
                builder.Append("    ").Append(field).Append(": ").Append(Quote(value)).Append('\n');
            }
        }

        return builder.ToString();
    }

    public static object[] ToJson(IReadOnlyList<TcpRouteView> routes) => routes.Select(r =>
    {
        var entry = new Dictionary<string, object> { ["port"] = r.Port, ["backends"] = r.Backends.ToArray() };
        foreach (var (field, value) in Known(r))
        {
            entry[field] = value;
        }

        return (object)entry;
    }).ToArray();

    /// <summary>Only the settings apply accepts, in a stable order (unknown fields written by hand are left out).</summary>
    private static IEnumerable<(string Field, string Value)> Known(TcpRouteView route) =>
        TcpRouteRules.Fields.Where(f => route.Settings.TryGetValue(f, out var v) && TcpRouteRules.TrySetting(f, v, out _) && v.Length > 0)
            .Select(f => (f, route.Settings[f]));

    private static string Quote(string value) => JsonSerializer.Serialize(value, Output.JsonOutput.Lines);
}
