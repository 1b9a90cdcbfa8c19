using System.Text;
using System.Text.Json;
using Entrance.Router.Routing;

namespace Entrance.Router.Admin;

/// <summary>
/// The part of <c>/routes/&lt;host&gt;</c> that says what is wrong with a route's data (a key of the wrong type, backend
/// URLs skipped, bad settings ignored) and which forwarding limits apply to it.
/// </summary>
internal static class RouteDiagnostics
{
    public static void WriteJson(Utf8JsonWriter json, RouteEntry entry)
    {
        var record = entry.Record;
        json.WriteString("problem", record.Problem);
        json.WriteStartArray("skippedBackends");
        foreach (var url in SkippedBackends(entry))
        {
            json.WriteStringValue(url);
        }

        json.WriteEndArray();
        var f = entry.Forwarding;
        json.WriteStartObject("forwarding");
        WriteMs(json, "connectTimeoutMs", f.ConnectTimeout);
        WriteMs(json, "backendTimeoutMs", f.BackendTimeout);
        if (f.MaxBody is { } max)
        {
            json.WriteNumber("maxBody", max);
        }
        else
        {
            json.WriteNull("maxBody");
        }

        json.WriteBoolean("preserveHost", f.PreserveHost);
        json.WriteString("problem", JoinProblems(f.Problem, entry.Tls.Problem));
        json.WriteEndObject();
    }

    public static void AppendText(StringBuilder text, RouteEntry entry)
    {
        if (entry.Record.Problem is { } problem)
        {
            text.Append("problem:     ").Append(problem).Append(" (requests get 502 bad-route)\n");
        }

        foreach (var url in SkippedBackends(entry))
        {
            text.Append("skipped:     ").Append(url).Append(" (not an absolute http:// or https:// URL)\n");
        }

        var f = entry.Forwarding;
        if (f != RouteForwardingSettings.None)
        {
            text.Append("forwarding:  connect timeout ").Append(f.ConnectTimeout is { } c ? $"{c.TotalMilliseconds:0} ms" : "default")
                .Append(", backend timeout ").Append(f.BackendTimeout is { } b ? $"{b.TotalMilliseconds:0} ms" : "default")
                .Append(", max body ").Append(f.MaxBody switch { null => "default", 0 => "no limit", { } m => m + " bytes" })
                .Append(", Host ").Append(f.PreserveHost ? "the client's" : "the backend's").Append('\n');
        }

        if (JoinProblems(f.Problem, entry.Tls.Problem) is { } ignored)
        {
            text.Append("settings:    ").Append(ignored).Append('\n');
        }
    }

    /// <summary>Backend URLs in Redis the router cannot use (it skips them, with a warning per cache fill).</summary>
    private static IEnumerable<string> SkippedBackends(RouteEntry entry)
    {
        foreach (var url in entry.Record.Backends)
        {
            if (!BackendState.IsValidUrl(url))
            {
                yield return url;
            }
        }
    }

    private static void WriteMs(Utf8JsonWriter json, string name, TimeSpan? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, (long)v.TotalMilliseconds);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string? JoinProblems(string? a, string? b) => a is null ? b : b is null ? a : a + "; " + b;
}
