using System.Net;
using System.Net.Sockets;

namespace Entrance.Router.Proxy;

/// <summary>
/// Opens backend connections with a per-request connect timeout: a route's <c>connect_timeout</c> travels in the
/// request's options (<see cref="TimeoutOption"/>, set only for routes that have one), else the global
/// <c>ConnectTimeout</c> applies. The handlers' own ConnectTimeout is then infinite, so a route may also wait longer.
/// Only new connections pay for it; pooled ones are reused as before.
/// </summary>
public static class BackendConnect
{
    public static readonly HttpRequestOptionsKey<TimeSpan> TimeoutOption = new("Entrance.ConnectTimeout");

    /// <summary>A connected socket stream to the backend, or a <see cref="TimeoutException"/> once the timeout passed.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, TimeSpan defaultTimeout, CancellationToken cancellationToken)
    {
        var timeout = context.InitialRequestMessage.Options.TryGetValue(TimeoutOption, out var t) ? t : defaultTimeout;
        return new NetworkStream(await ConnectSocketAsync(context.DnsEndPoint, timeout, cancellationToken).ConfigureAwait(false), ownsSocket: true);
    }

    /// <summary>
    /// A connected socket (no Nagle) to <paramref name="endpoint"/>, for HTTP, TCP routes and TLS passthrough alike: a
    /// <see cref="TimeoutException"/> once <paramref name="timeout"/> passed, an <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> fired, a <see cref="SocketException"/> when refused; the socket is
    /// disposed on every failure.
    /// </summary>
    public static async ValueTask<Socket> ConnectSocketAsync(EndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // An IP endpoint gets a socket of its own family: the dual-mode IPv6 default costs four more system calls per
        // connect (IPV6_V6ONLY set and read twice), which TCP routes pay on every new connection.
        var socket = endpoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeoutOrCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutOrCancel.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeoutOrCancel.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {endpoint} took longer than {timeout.TotalMilliseconds:0} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
