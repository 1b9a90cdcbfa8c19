using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Entrance.Router.Tcp;

/// <summary>
/// The access-log line of one closed TCP connection, queued on the same writer as HTTP requests:
/// <c>client - - [time] "TCP port" reason bytes_out backend="…" bytes_in=… bytes_out=… total_ms=… close=…</c>, and for
/// TLS passthrough the ClientHello's name after the backend (<c>sni="…"</c>; JSON <c>sni</c>).
/// </summary>
public sealed record TcpAccessLogEntry(
    DateTimeOffset StartedAtUtc,
    EndPoint? Client,
    int Port,
    string? Backend,
    long BytesIn,
    long BytesOut,
    double TotalMs,
    string Close,
    string? ServerName = null)
{
    public void Text(StringBuilder line)
    {
        var invariant = CultureInfo.InvariantCulture;
        line.Append(ClientText()).Append(" - - [")
            .Append(invariant, $"{StartedAtUtc.UtcDateTime:dd/MMM/yyyy:HH:mm:ss}").Append(" +0000] \"TCP ")
            .Append(Port).Append("\" ").Append(Close).Append(' ').Append(BytesOut)
            .Append(" backend=\"").Append(Backend ?? "-").Append('"');
        if (ServerName is not null)
        {
            // The parser admits printable ASCII only; a quote or backslash is escaped so the line stays parseable.
            line.Append(" sni=\"").Append(ServerName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        line.Append(" bytes_in=").Append(BytesIn)
            .Append(" bytes_out=").Append(BytesOut)
            .Append(" total_ms=").Append(invariant, $"{TotalMs:0.###}")
            .Append(" close=").Append(Close);
    }

    public void Json(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("time", StartedAtUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("protocol", "tcp");
        json.WriteString("client", ClientText());
        json.WriteNumber("port", Port);
        json.WriteString("backend", Backend);
        if (ServerName is not null)
        {
            json.WriteString("sni", ServerName);
        }

        json.WriteNumber("bytes_in", BytesIn);
        json.WriteNumber("bytes_out", BytesOut);
        json.WriteNumber("total_ms", Math.Round(TotalMs, 3));
        json.WriteString("close", Close);
        json.WriteEndObject();
    }

    private string ClientText() => Client is IPEndPoint ip
        ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address) + ":" + ip.Port.ToString(CultureInfo.InvariantCulture)
        : "-";
}
