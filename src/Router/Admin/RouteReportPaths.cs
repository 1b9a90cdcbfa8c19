using System.Text;
using System.Text.Json;
using Entrance.Router.Routing;

namespace Entrance.Router.Admin;

/// <summary>The parts of <c>/routes/&lt;host&gt;</c> about weights, registration TTLs and a host's path routes (issue 15).</summary>
internal static class RouteReportPaths
{
    public static void WriteBackendExtras(Utf8JsonWriter json, RouteEntry entry, int i)
    {
        json.WriteNumber("weight", entry.Backends[i].Weight);
        var left = entry.RegistrationLeftMs(i);
        if (left == long.MaxValue)
        {
            json.WriteNull("registrationLeftMs");
        }
        else
        {
            json.WriteNumber("registrationLeftMs", Math.Max(0, left));
        }
    }

    public static void WritePaths(Utf8JsonWriter json, RouteEntry entry, long nowUnix)
    {
        json.WriteStartArray("paths");
        foreach (var path in entry.Paths)
        {
            json.WriteStartObject();
            json.WriteString("prefix", path.Prefix);
            json.WriteString("routeName", path.Record.RouteName);
            json.WriteBoolean("exact", path.PathExact);
            json.WriteBoolean("stripPrefix", path.StripPrefix);
            json.WriteString("loadBalancing", path.Record.LoadBalancing ?? "default");
            json.WriteStartArray("backends");
            for (var i = 0; i < path.Backends.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("url", path.Backends[i].Url);
                json.WriteString("state", path.DeadUntil(i) > nowUnix ? "dead" : "alive");
                json.WriteNumber("inFlight", path.Backends[i].InFlight);
                WriteBackendExtras(json, path, i);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("ignored");
        foreach (var problem in entry.Record.Problems)
        {
            json.WriteStringValue(problem);
        }

        json.WriteEndArray();
    }

    public static string Extras(RouteEntry entry, int i)
    {
        var weight = entry.Backends[i].Weight;
        var left = entry.RegistrationLeftMs(i);
        return (weight == 1 ? string.Empty : weight == 0 ? ", weight 0 (drained)" : $", weight {weight}")
               + (left == long.MaxValue ? string.Empty : left <= 0 ? ", registration expired" : $", registration {left / 1000.0:0.#}s left");
    }

    public static void AppendPaths(StringBuilder text, RouteEntry entry, long nowUnix)
    {
        foreach (var problem in entry.Record.Problems)
        {
            text.Append("ignored:     ").Append(problem).Append('\n');
        }

        foreach (var path in entry.Paths)
        {
            text.Append("path:        ").Append(path.Prefix).Append(path.PathExact ? " (exact" : " (prefix").Append(path.StripPrefix ? ", strip_prefix)" : ")")
                .Append(" -> ").Append(path.Record.RouteName).Append('\n');
            for (var i = 0; i < path.Backends.Length; i++)
            {
                text.Append("  ").Append(path.Backends[i].Url.PadRight(40)).Append(' ')
                    .Append(path.DeadUntil(i) > nowUnix ? "dead" : "alive").Append(Extras(path, i)).Append('\n');
            }
        }
    }
}
