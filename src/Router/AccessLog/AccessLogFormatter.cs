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
    /// total_ms=… backend_ms=… rid="…" cache=… retries=… error=… backend_proto=… grpc_status=…</c> — combined format first, so nginx log tools read it.
    /// </summary>
    public static string Text(in AccessLogEntry e)
    {
        var line = new StringBuilder(256);
        Text(e, line);
        return line.ToString();
    }

    /// <summary>Appends the text line, without its line feed.</summary>
    public static void Text(in AccessLogEntry e, StringBuilder line)
    {
        if (e.Tcp is { } tcp)
        {
            tcp.Text(line);
            return;
        }

        var r = e.Request;
        var invariant = CultureInfo.InvariantCulture;
        line.Append(Client(e.ClientIp)).Append(" - - [")
            .Append(invariant, $"{r.StartedAtUtc.UtcDateTime:dd/MMM/yyyy:HH:mm:ss}").Append(" +0000")
            .Append("] \"").Append(e.Method).Append(' ');
        AppendQuoted(line, e.Path ?? string.Empty);
        AppendQuoted(line, e.Query ?? string.Empty);
        line.Append(' ').Append(e.Protocol).Append("\" ")
            .Append(e.Status).Append(' ').Append(r.BytesSent).Append(" \"");
        AppendQuoted(line, e.Referer ?? "-");
        line.Append("\" \"");
        AppendQuoted(line, e.UserAgent ?? "-");
        line.Append("\" host=\"");
        AppendQuoted(line, r.Host ?? "-");
        line.Append("\" key=\"");
        AppendQuoted(line, r.MatchedKey ?? "-");
        line.Append("\" backend=\"");
        AppendQuoted(line, r.BackendUrl ?? "-");
        line.Append("\" total_ms=").Append(invariant, $"{e.TotalMs:0.###}").Append(" backend_ms=");
        if (r.BackendStartedAt == 0)
        {
            line.Append('-');
        }
        else
        {
            line.Append(invariant, $"{r.BackendMs:0.###}");
        }

        line.Append(" rid=\"");
        AppendQuoted(line, r.RequestId ?? "-");
        line.Append("\" cache=").Append(r.CacheResult ?? "-")
            .Append(" retries=").Append(r.Retries)
            .Append(" error=").Append(r.Error ?? "-")
            .Append(" backend_proto=").Append(Grpc.ProtocolLabels.Outbound(r) ?? "-")
            .Append(" grpc_status=").Append(r.GrpcStatus ?? "-");
    }

    /// <summary>One JSON object; absent facts are null.</summary>
    public static string Json(in AccessLogEntry e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            Json(e, json);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the object to <paramref name="json"/>, which is flushed by the caller.</summary>
    public static void Json(in AccessLogEntry e, Utf8JsonWriter json)
    {
        if (e.Tcp is { } tcp)
        {
            tcp.Json(json);
            return;
        }

        var r = e.Request;
        Span<char> time = stackalloc char[24];
        r.StartedAtUtc.UtcDateTime.TryFormat(time, out var timeLength, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        json.WriteStartObject();
        json.WriteString("time", time[..timeLength]);
        json.WriteString("client_ip", Client(e.ClientIp));
        json.WriteString("method", e.Method);
        json.WriteString("path", string.Concat(e.Path, e.Query));
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
        json.WriteString("backend_protocol", Grpc.ProtocolLabels.Outbound(r));
        json.WriteString("grpc_status", r.GrpcStatus);
        json.WriteString("referer", e.Referer);
        json.WriteString("user_agent", e.UserAgent);
        json.WriteEndObject();
    }

    private static string Client(IPAddress? ip) =>
        ip is null ? "-" : (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();

    /// <summary>Appends a field with what would break the quoting escaped: quotes, backslashes and control characters.</summary>
    private static void AppendQuoted(StringBuilder line, string value)
    {
        if (!value.AsSpan().ContainsAny("\"\\\r\n\t"))
        {
            line.Append(value);
            return;
        }

        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => line.Append(@"\\"),
                '"' => line.Append("\\\""),
                '\r' => line.Append(@"\r"),
                '\n' => line.Append(@"\n"),
                '\t' => line.Append(@"\t"),
                _ => line.Append(c),
            };
        }
    }
}
