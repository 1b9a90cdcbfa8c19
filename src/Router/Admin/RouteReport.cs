using System.Text;
using System.Text.Json;
using Entrance.Core.Hosts;
using Entrance.Core.Store;
using Entrance.Hosting.Admin;
using Entrance.Router.HealthChecks;
using Entrance.Router.Routing;
using Entrance.Router.Tls;

namespace Entrance.Router.Admin;

/// <summary>
/// <c>/routes/&lt;host&gt;</c>: how this router resolves a host right now, through the same cache the proxy uses.
/// A fresh cached answer is shown as it is (with its TTL left) without touching Redis; otherwise the host is looked up
/// exactly as a request would (and that answer is then cached, as a request's would be).
/// </summary>
public sealed class RouteReport(RouteCache cache, CertificateCache certificates, DefaultCertificate defaultCertificate, TimeProvider time) : IAdminRoute
{
    public string Prefix => "/routes/";

    Task IAdminRoute.HandleAsync(HttpContext context, string rest) => WriteAsync(context, rest);

    public async Task WriteAsync(HttpContext context, string rawHost)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var text = context.Request.Query["format"] == "text"
                   || (context.Request.Headers.Accept.ToString().Contains("text/plain", StringComparison.OrdinalIgnoreCase)
                       && !context.Request.Headers.Accept.ToString().Contains("json", StringComparison.OrdinalIgnoreCase));
        if (!HostName.TryNormalize(rawHost, out var host))
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            await WriteBodyAsync(context, text, new Report { Host = rawHost, Source = "none", Note = "not a valid host name" });
            return;
        }

        // The certificate a handshake for this name gets now, through the same cache (never throws, never waits past RedisTimeout).
        var report = new Report { Host = host, Tls = await certificates.GetAsync(host) };
        var slot = cache.Peek(host);
        var nowTicks = cache.NowMs;
        if (slot is not null && slot.FreshUntilMs > nowTicks)
        {
            report.Source = "cache";
            report.Note = "fresh answer from this router's cache; Redis not asked";
        }
        else
        {
            try
            {
                var lookup = await cache.GetAsync(host);
                slot = lookup.Slot;
                (report.Source, report.Note) = lookup.Source switch
                {
                    RouteLookupSource.Cache => ("cache", "fresh answer from this router's cache; Redis not asked"),
                    RouteLookupSource.Store => ("store", "not cached (or expired): looked up in Redis now, as a request would, and cached from now on"),
                    _ => ("stale", "Redis cannot answer: the last known answer, past its TTL, as requests get it now"),
                };
            }
            catch (RouteStoreUnavailableException ex)
            {
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                report.Source = "none";
                report.Note = "Redis cannot answer and nothing is cached: requests get 503 store-unavailable (" + ex.Message + ")";
                await WriteBodyAsync(context, text, report);
                return;
            }
        }

        nowTicks = cache.NowMs;
        report.TtlLeftMs = Math.Max(0, slot.FreshUntilMs - nowTicks);
        report.AgeMs = Math.Max(0, nowTicks - slot.StoredAtMs);
        report.Entry = slot.Entry;
        if (slot.Entry is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
        }

        await WriteBodyAsync(context, text, report);
    }

    private async Task WriteBodyAsync(HttpContext context, bool text, Report report)
    {
        var nowUnix = time.GetUtcNow().ToUnixTimeMilliseconds();
        var body = text ? Text(report, nowUnix) : Json(report, nowUnix);
        context.Response.ContentType = text ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(body);
    }

    private static string MatchKind(string routeName) =>
        routeName == HostName.CatchAll ? "catch-all" : HostName.IsWildcard(routeName) ? "wildcard" : "exact";

    private void WriteCertificate(Utf8JsonWriter json, Report report)
    {
        if (report.Tls is not { } tls)
        {
            return;
        }

        var c = tls.Certificate ?? defaultCertificate.Certificate;
        json.WriteStartObject("certificate");
        json.WriteString("name", tls.Certificate is null ? "default" : c.Name);
        json.WriteBoolean("default", tls.Certificate is null);
        json.WriteString("source", tls.Source.ToString().ToLowerInvariant());
        json.WriteString("subject", c.Info.Subject);
        json.WriteStartArray("dnsNames");
        foreach (var n in c.Info.DnsNames)
        {
            json.WriteStringValue(n);
        }

        json.WriteEndArray();
        json.WriteString("notAfter", c.Info.NotAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }

    private byte[] Json(Report report, long nowUnix)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("host", report.Host);
            json.WriteBoolean("found", report.Entry is not null);
            json.WriteString("source", report.Source);
            json.WriteString("note", report.Note);
            if (report.TtlLeftMs is { } ttl)
            {
                json.WriteNumber("ttlLeftMs", ttl);
                json.WriteNumber("ageMs", report.AgeMs ?? 0);
            }

            if (report.Entry is { } entry)
            {
                var record = entry.Record;
                json.WriteString("routeName", record.RouteName);
                json.WriteString("matchedKey", record.MatchedKey);
                json.WriteString("schema", record.Schema.ToString().ToLowerInvariant());
                json.WriteString("match", MatchKind(record.RouteName));
                json.WriteString("loadBalancing", record.LoadBalancing ?? "default");
                WriteBackendSettings(json, entry);
                entry.Live(nowUnix, out var panic);
                json.WriteBoolean("panic", panic);
                RouteDiagnostics.WriteJson(json, entry);
                json.WriteStartArray("backends");
                for (var i = 0; i < entry.Backends.Length; i++)
                {
                    var backend = entry.Backends[i];
                    var deadUntil = entry.DeadUntil(i);
                    json.WriteStartObject();
                    json.WriteString("url", backend.Url);
                    json.WriteString("state", deadUntil > nowUnix ? "dead" : "alive");
                    if (deadUntil > nowUnix)
                    {
                        json.WriteString("deadUntil", DeadUntilText(deadUntil));
                    }
                    else
                    {
                        json.WriteNull("deadUntil");
                    }

                    json.WriteNumber("inFlight", backend.InFlight);
                    RouteReportPaths.WriteBackendExtras(json, entry, i);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                RouteReportPaths.WritePaths(json, entry, nowUnix);
            }

            WriteCertificate(json, report);
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private byte[] Text(Report report, long nowUnix)
    {
        var text = new StringBuilder();
        text.Append("host:        ").Append(report.Host).Append('\n');
        text.Append("source:      ").Append(report.Source).Append(" (").Append(report.Note).Append(")\n");
        if (report.TtlLeftMs is { } ttl)
        {
            text.Append("ttl left:    ").Append(ttl).Append(" ms (cached ").Append(report.AgeMs).Append(" ms ago)\n");
        }

        if (report.Tls is { } tls)
        {
            var c = tls.Certificate ?? defaultCertificate.Certificate;
            text.Append("certificate: ").Append(tls.Certificate is null ? "default" : c.Name).Append(" (").Append(tls.Source.ToString().ToLowerInvariant())
                .Append(") ").Append(c.Info.Subject).Append(", SANs ").Append(string.Join(' ', c.Info.DnsNames))
                .Append(", not after ").Append(c.Info.NotAfter.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        if (report.Entry is not { } entry)
        {
            text.Append("route:       none (requests get the unknown-host answer)\n");
            return Encoding.UTF8.GetBytes(text.ToString());
        }

        var record = entry.Record;
        entry.Live(nowUnix, out var panic);
        text.Append("route:       ").Append(record.RouteName).Append(" (").Append(MatchKind(record.RouteName)).Append(", ")
            .Append(record.Schema.ToString().ToLowerInvariant()).Append(")\n");
        text.Append("matched key: ").Append(record.MatchedKey).Append('\n');
        text.Append("policy:      ").Append(record.LoadBalancing ?? "default").Append(panic ? " (panic: every backend is dead, using all)" : "").Append('\n');
        RouteDiagnostics.AppendText(text, entry);
        AppendBackendSettings(text, entry);
        text.Append("backends:    ").Append(entry.Backends.Length == 0 ? (record.Problem is null ? "none (requests get 502 no-backends)" : "none") : "").Append('\n');
        for (var i = 0; i < entry.Backends.Length; i++)
        {
            var deadUntil = entry.DeadUntil(i);
            text.Append("  ").Append(entry.Backends[i].Url.PadRight(40)).Append(' ')
                .Append(deadUntil > nowUnix ? "dead until " + DeadUntilText(deadUntil) : "alive")
                .Append(", in flight ").Append(entry.Backends[i].InFlight).Append(RouteReportPaths.Extras(entry, i)).Append('\n');
        }

        RouteReportPaths.AppendPaths(text, entry, nowUnix);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The route's settings hash as stored, then how this router reads its sticky-session and health-check fields.</summary>
    private static void WriteBackendSettings(Utf8JsonWriter json, RouteEntry entry)
    {
        json.WriteStartObject("settings");
        foreach (var (field, value) in entry.Record.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            json.WriteString(field, value);
        }

        json.WriteEndObject();
        var sticky = entry.Sticky;
        if (sticky.Enabled || sticky.Problem is not null)
        {
            json.WriteStartObject("sticky");
            json.WriteBoolean("enabled", sticky.Enabled);
            json.WriteString("cookie", sticky.Cookie);
            json.WriteString("pinOnCookie", sticky.AppCookie);
            json.WriteString("problem", sticky.Problem);
            json.WriteEndObject();
        }

        if (HealthCheckSettings.From(entry.Record.Settings) is { } check)
        {
            json.WriteStartObject("healthCheck");
            json.WriteString("path", check.Path);
            json.WriteNumber("intervalMs", (long)check.Interval.TotalMilliseconds);
            json.WriteNumber("timeoutMs", (long)check.Timeout.TotalMilliseconds);
            json.WriteNumber("fails", check.Fails);
            json.WriteNumber("passes", check.Passes);
            json.WriteString("problem", check.Problem);
            json.WriteEndObject();
        }
    }

    private static void AppendBackendSettings(StringBuilder text, RouteEntry entry)
    {
        if (entry.Record.Settings.Count > 0)
        {
            text.Append("settings:    ").Append(string.Join(", ", entry.Record.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key + "=" + s.Value))).Append('\n');
        }

        if (entry.Sticky is { } sticky && (sticky.Enabled || sticky.Problem is not null))
        {
            text.Append("sticky:      ").Append(sticky.Enabled ? "cookie " + sticky.Cookie + (sticky.AppCookie is null ? "" : ", once the app sets " + sticky.AppCookie) : sticky.Problem).Append('\n');
        }

        if (HealthCheckSettings.From(entry.Record.Settings) is { } check)
        {
            text.Append("health:      GET ").Append(check.Path).Append(" every ").Append(check.Interval.TotalMilliseconds).Append(" ms (timeout ")
                .Append(check.Timeout.TotalMilliseconds).Append(" ms), dead after ").Append(check.Fails).Append(" fails, back after ").Append(check.Passes).Append(" passes")
                .Append(check.Problem is null ? "" : "; " + check.Problem).Append('\n');
        }
    }

    private static string DeadUntilText(long unixMs) =>
        unixMs >= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() || unixMs == long.MaxValue
            ? "no expiry"
            : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Report
    {
        public required string Host { get; init; }

        public string Source { get; set; } = "none";

        public string Note { get; set; } = string.Empty;

        public long? TtlLeftMs { get; set; }

        public long? AgeMs { get; set; }

        public RouteEntry? Entry { get; set; }

        public CertificateLookup? Tls { get; init; }
    }
}
