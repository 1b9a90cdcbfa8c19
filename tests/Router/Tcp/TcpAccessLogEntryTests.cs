using System.Net;
using System.Text;
using System.Text.Json;
using Entrance.Router.Tcp;

namespace Entrance.Router.Tests.Tcp;

public sealed class TcpAccessLogEntryTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Text_PassthroughWithServerName_SniAfterBackend()
    {
        var line = new StringBuilder();
        new TcpAccessLogEntry(At, new IPEndPoint(IPAddress.Loopback, 5000), 443, "https://10.0.0.5:8443", 10, 20, 1.5, "client_closed", "secure.example.com").Text(line);

        Assert.Equal("127.0.0.1:5000 - - [02/Dec/2026:03:04:05 +0000] \"TCP 443\" client_closed 20 backend=\"https://10.0.0.5:8443\" "
            + "sni=\"secure.example.com\" bytes_in=10 bytes_out=20 total_ms=1.5 close=client_closed", line.ToString());
    }

    [Fact]
    public void Text_TcpRouteWithoutServerName_NoSniField()
    {
        var line = new StringBuilder();
        new TcpAccessLogEntry(At, null, 30001, null, 0, 0, 0, "no_route").Text(line);

        Assert.Equal("- - - [02/Dec/2026:03:04:05 +0000] \"TCP 30001\" no_route 0 backend=\"-\" bytes_in=0 bytes_out=0 total_ms=0 close=no_route", line.ToString());
    }

    [Fact]
    public void Text_ServerNameWithQuote_Escaped()
    {
        var line = new StringBuilder();
        new TcpAccessLogEntry(At, null, 443, null, 0, 0, 0, "no_backend", "a\"b").Text(line);

        Assert.Contains("sni=\"a\\\"b\"", line.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_PassthroughWithServerName_SniField()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            new TcpAccessLogEntry(At, null, 443, "https://10.0.0.5:8443", 1, 2, 3, "backend_closed", "secure.example.com").Json(json);
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        Assert.Equal("secure.example.com", document.RootElement.GetProperty("sni").GetString());
    }
}
