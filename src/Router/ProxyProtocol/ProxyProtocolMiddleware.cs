using System.Buffers;
using Entrance.Router.Metrics;
using System.IO.Pipelines;
using System.Net;
using Entrance.Router.Proxy;
using Microsoft.AspNetCore.Connections;

namespace Entrance.Router.ProxyProtocol;

/// <summary>
/// Reads the PROXY protocol header before HTTP (and before TLS on the HTTPS listener) and makes the client's address
/// the connection's remote endpoint, so X-Forwarded-For, X-Real-IP and the access log carry it.
/// A trusted peer must send a header (as HAProxy's <c>accept-proxy</c>): without one, or with a malformed one, or
/// too slowly, the connection is closed. An untrusted peer that sends one is closed too; its plain HTTP is served.
/// </summary>
public sealed class ProxyProtocolMiddleware(ConnectionDelegate next, TrustedProxies trusted, TimeSpan timeout, RouterMetrics metrics, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (await ReadHeaderAsync(connection))
        {
            await next(connection);
        }
    }

    /// <summary>True when HTTP (or TLS) may go on; false when the connection was closed.</summary>
    private async Task<bool> ReadHeaderAsync(ConnectionContext connection)
    {
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var isTrusted = trusted.Contains(peer);
        using var timer = new CancellationTokenSource(timeout);
        var input = connection.Transport.Input;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timer.Token);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested)
            {
                if (!isTrusted)
                {
                    return true; // a quiet client: HTTP's own timeouts take over
                }

                Reject(connection, "timeout", peer);
                return false;
            }

            var buffer = read.Buffer;
            if (buffer.IsEmpty && read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start);
                return isTrusted ? Close(connection) : true; // connected and closed (a TCP health check): nothing to count
            }

            var status = ProxyProtocolHeader.TryParse(buffer, out var consumed, out var source);
            if (status == ProxyHeaderStatus.NeedMore && !read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End); // wait for more bytes
                continue;
            }

            if (!isTrusted)
            {
                input.AdvanceTo(buffer.Start); // nothing consumed: HTTP reads the same bytes
                if (status is ProxyHeaderStatus.Done or ProxyHeaderStatus.Malformed)
                {
                    Reject(connection, "untrusted", peer);
                    return false;
                }

                return true;
            }

            if (status != ProxyHeaderStatus.Done)
            {
                input.AdvanceTo(buffer.Start);
                Reject(connection, status == ProxyHeaderStatus.Absent ? "missing" : "malformed", peer);
                return false;
            }

            input.AdvanceTo(buffer.GetPosition(consumed));
            if (source is not null)
            {
                connection.RemoteEndPoint = source;
            }

            return true;
        }
    }

    private static bool Close(ConnectionContext connection)
    {
        connection.Abort(new ConnectionAbortedException("closed before a PROXY header"));
        return false;
    }

    private void Reject(ConnectionContext connection, string reason, IPAddress? peer)
    {
        metrics.ProxyProtocolRejected(reason);
        logger.LogDebug("PROXY protocol: closing a connection from {Peer}: {Reason}", peer, reason);
        connection.Abort(new ConnectionAbortedException("PROXY protocol header " + reason));
    }
}
