using System.Diagnostics;
using System.Net;
using Entrance.Router.AccessLog;
using Entrance.Router.Routing;
using Entrance.Router.Tcp;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Passthrough;

/// <summary>
/// Relays one passthrough connection: connects to a backend of its route, copies the bytes both ways with
/// <see cref="TcpRelay"/> (the peeked ClientHello first, since it was never consumed) and writes one access-log line
/// (the TCP format, the HTTPS listener's port, the backend URL, the SNI name) when the connection ends.
/// </summary>
public sealed class PassthroughRelay(PassthroughMetrics metrics, AccessLogWriter accessLog, IOptions<TcpOptions> tcp, TimeProvider time, ILogger<PassthroughRelay> logger)
{
    private readonly TcpRelayOptions _relay = new() { IdleTimeout = tcp.Value.IdleTimeout };

    public async Task RunAsync(ConnectionContext connection, RouteEntry route, string serverName, PassthroughConnector connector)
    {
        var started = Stopwatch.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var port = (connection.LocalEndPoint as IPEndPoint)?.Port ?? 0;
        (System.Net.Sockets.Socket Socket, BackendState Backend)? connected;
        try
        {
            connected = await connector.ConnectAsync(route, connection.ConnectionClosed);
        }
        catch (OperationCanceledException)
        {
            return; // the client left while a backend was being connected
        }

        if (connected is not { } target)
        {
            metrics.Closed(PassthroughResult.BackendUnreachable);
            logger.LogWarning("Passthrough for {ServerName}: no backend of {Route} answered", serverName, route.Record.RouteName);
            accessLog.Write(AccessLogEntry.ForTcp(new TcpAccessLogEntry(startedAt, connection.RemoteEndPoint, port, null, 0, 0,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, "no_backend", serverName)));
            connection.Abort(new ConnectionAbortedException("no backend answered"));
            return;
        }

        var (socket, backend) = target;
        metrics.Opened();
        backend.Enter(); // least-connections counts passthrough connections like requests
        var result = new TcpRelayResult(0, 0, TcpCloseReason.Aborted);
        try
        {
            result = await TcpRelay.RunAsync(connection, socket, _relay); // owns and disposes the socket
        }
        finally
        {
            backend.Leave();
            metrics.Relayed(result.BytesFromClient, result.BytesToClient);
            accessLog.Write(AccessLogEntry.ForTcp(new TcpAccessLogEntry(startedAt, connection.RemoteEndPoint, port, backend.Url,
                result.BytesFromClient, result.BytesToClient, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.ReasonText, serverName)));
        }
    }
}
