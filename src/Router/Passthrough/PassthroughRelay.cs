using System.Diagnostics;
using System.Net.Sockets;
using Entrance.Router.Routing;
using Microsoft.AspNetCore.Connections;

namespace Entrance.Router.Passthrough;

/// <summary>
/// Relays one passthrough connection: connects to a backend of its route, copies the bytes both ways (the peeked
/// ClientHello first, since it was never consumed) and writes one access-log line when the connection ends.
/// </summary>
public sealed class PassthroughRelay(PassthroughMetrics metrics, ILoggerFactory loggers)
{
    /// <summary>Access-log lines of passthrough connections, one per connection, in their own category.</summary>
    private readonly ILogger _access = loggers.CreateLogger("Entrance.Passthrough.Access");

    public async Task RunAsync(ConnectionContext connection, RouteEntry route, string serverName, PassthroughConnector connector)
    {
        var started = Stopwatch.GetTimestamp();
        var connected = await connector.ConnectAsync(route, connection.ConnectionClosed);
        if (connected is not { } target)
        {
            metrics.Closed(PassthroughResult.BackendUnreachable);
            _access.LogInformation("passthrough {Client} sni={ServerName} route={Route} backend=- in=0 out=0 duration_ms={Duration} reason=backend_unreachable",
                connection.RemoteEndPoint, serverName, route.Record.RouteName, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            connection.Abort(new ConnectionAbortedException("no backend answered"));
            return;
        }

        var (socket, backend) = target;
        metrics.Opened();
        backend.Enter(); // least-connections counts passthrough connections like requests
        var outcome = new RelayOutcome(0, 0, "error");
        try
        {
            outcome = await TcpRelayBridge.RelayAsync(connection, socket);
        }
        finally
        {
            backend.Leave();
            socket.Dispose();
            metrics.Relayed(outcome.BytesIn, outcome.BytesOut);
            _access.LogInformation("passthrough {Client} sni={ServerName} route={Route} backend={Backend} in={BytesIn} out={BytesOut} duration_ms={Duration} reason={Reason}",
                connection.RemoteEndPoint, serverName, route.Record.RouteName, backend.Url, outcome.BytesIn, outcome.BytesOut,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome.Reason);
        }
    }
}

/// <summary>What a relay moved: client→backend bytes, backend→client bytes, and why it ended.</summary>
public readonly record struct RelayOutcome(long BytesIn, long BytesOut, string Reason);
