using System.Net;
using System.Text.Json;
using Entrance.Router.AccessLog;
using Entrance.Router.Proxy;

namespace Entrance.Router.Tests.AccessLog;

public class AccessLogFormatterTests
{
    private static AccessLogEntry Entry(string path, string? userAgent) =>
        new(new ProxyRequest { Host = "h.example.com", RequestId = "r1" }, 1.5, 502, IPAddress.Parse("::ffff:10.1.2.3"), "GET", path, null, "HTTP/1.1", null, userAgent);

    [Fact]
    public void Text_QuotesAndNewlinesInFields_Escaped()
    {
        var line = AccessLogFormatter.Text(Entry("/a\"b", "evil\"\nagent"));

        Assert.DoesNotContain('\n', line);
        Assert.Contains("\"GET /a\\\"b HTTP/1.1\"", line);
        Assert.Contains("\"evil\\\"\\nagent\"", line);
        Assert.StartsWith("10.1.2.3 - - [", line); // IPv4-mapped addresses logged as IPv4
        Assert.Contains(" backend_ms=- ", line);
    }

    [Fact]
    public void Json_AnyInput_OneValidObjectOnOneLine()
    {
        var line = AccessLogFormatter.Json(Entry("/a\"b\n", "agent"));

        Assert.DoesNotContain('\n', line);
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("/a\"b\n", json.GetProperty("path").GetString());
        Assert.Equal(502, json.GetProperty("status").GetInt32());
        Assert.Equal(1.5, json.GetProperty("total_ms").GetDouble());
    }
}
