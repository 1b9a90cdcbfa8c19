using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Entrance.Router.Passthrough;

/// <summary>
/// On an HTTPS listener, after the PROXY protocol reader and before TLS: peeks the ClientHello without consuming it
/// and, when its SNI names a host with <c>passthrough 1</c>, relays the still-encrypted stream to one of that host's
/// backends. Every other readable ClientHello continues to TLS untouched (its bytes unread): a name with no passthrough
/// route is terminated like any host on this port. A stream that is not TLS at all, a TLS record that is no readable
/// ClientHello (malformed, oversized, SSLv2), or one that does not send a whole ClientHello in time is closed and counted.
/// </summary>
public sealed class PassthroughMiddleware(
    ConnectionDelegate next, PassthroughConnector connector, PassthroughRelay relay, PassthroughOptions options, PassthroughMetrics metrics, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var (status, serverName) = await PeekAsync(connection.Transport.Input);
        switch (status)
        {
            case PeekStatus.Hello when serverName is not null && await connector.FindAsync(serverName) is { } route:
                await relay.RunAsync(connection, route, serverName, connector);
                return;
            case PeekStatus.Hello:
                await next(connection); // TLS decides: terminates, serves the default certificate or rejects
                return;
            case PeekStatus.Empty:
                return; // connected and closed (a TCP health check): nothing to count
            default:
                var result = status switch
                {
                    PeekStatus.NotTls => PassthroughResult.NotTls,
                    PeekStatus.Timeout => PassthroughResult.Timeout,
                    PeekStatus.Invalid => PassthroughResult.InvalidHello,
                    _ => PassthroughResult.Truncated,
                };
                metrics.Closed(result);
                logger.LogDebug("Closing a connection from {Peer} before TLS: {Result}", connection.RemoteEndPoint, result);
                connection.Abort(new ConnectionAbortedException("not a TLS ClientHello: " + result));
                return;
        }
    }

    private async Task<(PeekStatus, string?)> PeekAsync(PipeReader input)
    {
        using var timer = new CancellationTokenSource(options.ClientHelloTimeout);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timer.Token);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested)
            {
                return (PeekStatus.Timeout, null);
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
            {
                return (PeekStatus.Truncated, null); // reset mid-ClientHello: nothing to hand on
            }

            var buffer = read.Buffer;
            var status = ClientHelloParser.TryParse(buffer, out var serverName);
            var examined = buffer.Length;
            input.AdvanceTo(buffer.Start, status == ClientHelloStatus.NeedMore ? buffer.End : buffer.Start); // nothing consumed
            switch (status)
            {
                case ClientHelloStatus.Done:
                    return (PeekStatus.Hello, serverName);
                case ClientHelloStatus.Invalid:
                    return (PeekStatus.Invalid, null);
                case ClientHelloStatus.NotTls:
                    return (PeekStatus.NotTls, null);
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                return (examined == 0 ? PeekStatus.Empty : PeekStatus.Truncated, null);
            }

            Debug.Assert(examined <= ClientHelloParser.MaxHandshakeBytes * 2, "the parser gives up on oversized hellos");
        }
    }

    private enum PeekStatus
    {
        Hello,
        Invalid,
        NotTls,
        Timeout,
        Truncated,
        Empty,
    }
}
