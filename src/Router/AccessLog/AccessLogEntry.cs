using System.Net;
using Entrance.Router.Proxy;

namespace Entrance.Router.AccessLog;

/// <summary>What one access-log line needs, captured when the request ends; formatted later, off the request path.</summary>
public readonly record struct AccessLogEntry(
    ProxyRequest Request,
    double TotalMs,
    int Status,
    IPAddress? ClientIp,
    string Method,
    string? Path,
    string? Query,
    string Protocol,
    string? Referer,
    string? UserAgent,
    Tcp.TcpAccessLogEntry? Tcp = null)
{
    /// <summary>A closed TCP connection's line (issue 16): the HTTP fields are unused.</summary>
    public static AccessLogEntry ForTcp(Tcp.TcpAccessLogEntry tcp) => new(null!, 0, 0, null, string.Empty, null, null, string.Empty, null, null, tcp);
}
