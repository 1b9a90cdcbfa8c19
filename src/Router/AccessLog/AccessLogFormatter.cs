using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Entrance.Router.AccessLog;

/// <summary>Renders an <see cref="AccessLogEntry"/> as one line: nginx-combined-like text, or one JSON object.</summary>
public static class AccessLogFormatter
{
    /// <summary>
    /// <c>client - - [time] "METHOD path PROTO" status bytes "referer" "user-agent" host="…" key="…" backend="…"
    /// total_ms=… backend_ms=… rid="…" cache=… retries=… error=…</c> — combined format first, so nginx log tools read it.
    /// </summary>
    public static string Text(in AccessLogEntry e)
    {
        var r = e.Request;
        var line = new StringBuilder(256);
        line.Append(Client(e.ClientIp)).Append(" - - [")
            .Append(r.StartedAtUtc.UtcDateTime.ToString("dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture)).Append(" +0000")
            .Append("] \"").Append(e.Method).Append(' ').Append(Quoted(e.Path + e.Query)).Append(' ').Append(e.Protocol).Append("\" ")
            .Append(e.Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(r.BytesSent.ToString(CultureInfo.InvariantCulture))
            .Append(" \"").Append(Quoted(e.Referer ?? "-")).Append("\" \"").Append(Quoted(e.UserAgent ?? "-")).Append('"')
            .Append(" host=\"").Append(Quoted(r.Host ?? "-")).Append('"')
            .Append(" key=\"").Append(Quoted(r.MatchedKey ?? "-")).Append('"')
            .Append(" backend=\"").Append(Quoted(r.BackendUrl ?? "-")).Append('"')
            .Append(" total_ms=").Append(Ms(e.TotalMs))
            .Append(" backend_ms=").Append(r.BackendStartedAt == 0 ? "-" : Ms(r.BackendMs))
            .Append(" rid=\"").Append(Quoted(r.RequestId ?? "-")).Append('"')
            .Append(" cache=").Append(r.CacheResult ?? "-")
            .Append(" retries=").Append(r.Retries.ToString(CultureInfo.InvariantCulture))
            .Append(" error=").Append(r.Error ?? "-");
        return line.ToString();
    }

    /// <summary>One JSON object; absent facts are null.</summary>
    public static string Json(in AccessLogEntry e)
    {
        var r = e.Request;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", r.StartedAtUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("client_ip", Client(e.ClientIp));
            json.WriteString("method", e.Method);
            json.WriteString("path", e.Path + e.Query);
            json.WriteString("protocol", e.Protocol);
            json.WriteNumber("status", e.Status);
            json.WriteNumber("bytes", r.BytesSent);
            json.WriteNumber("total_ms", Math.Round(e.TotalMs, 3));
            if (r.BackendStartedAt == 0)
            {
                json.WriteNull("backend_ms");
            }
            else
            {
                json.WriteNumber("backend_ms", Math.Round(r.BackendMs, 3));
            }

            json.WriteString("host", r.Host);
            json.WriteString("matched_key", r.MatchedKey);
            json.WriteString("backend_url", r.BackendUrl);
            json.WriteString("request_id", r.RequestId);
            json.WriteString("cache", r.CacheResult);
            json.WriteNumber("retries", r.Retries);
            json.WriteString("error", r.Error);
            json.WriteString("referer", e.Referer);
            json.WriteString("user_agent", e.UserAgent);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Client(IPAddress? ip) =>
        ip is null ? "-" : (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();

    private static string Ms(double ms) => ms.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Escapes what would break the quoted fields: quotes, backslashes and control characters.</summary>
    private static string Quoted(string value)
    {
        if (!value.AsSpan().ContainsAny("\"\\\r\n\t"))
        {
            return value;
        }

        return value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\r", @"\r").Replace("\n", @"\n").Replace("\t", @"\t");
    }
}
