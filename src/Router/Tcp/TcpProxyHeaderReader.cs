using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Entrance.Router.ProxyProtocol;

namespace Entrance.Router.Tcp;

/// <summary>What reading an inbound PROXY header on a TCP route's connection gave.</summary>
/// <param name="Problem">Null when the header was read; else <c>timeout</c>, <c>missing</c> or <c>malformed</c>.</param>
/// <param name="Source">The client's address from the header; null for v1 <c>UNKNOWN</c> or v2 <c>LOCAL</c> (keep the peer's).</param>
/// <param name="Leftover">Client bytes that came after the header in the same reads: relayed to the backend first.</param>
public readonly record struct TcpProxyHeader(string? Problem, IPEndPoint? Source, byte[]? Leftover);

/// <summary>
/// Reads the PROXY protocol header (v1/v2, <see cref="ProxyProtocolHeader"/>) a trusted load balancer sends first on a
/// TCP route's connection (HAProxy's <c>accept-proxy</c>). Reads, not peeks: bytes beyond the header are handed back.
/// </summary>
public static class TcpProxyHeaderReader
{
    public static async Task<TcpProxyHeader> ReadAsync(Socket client, TimeSpan timeout, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ProxyProtocolHeader.V2MaxLength);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            var have = 0;
            while (true)
            {
                var read = await client.ReceiveAsync(buffer.AsMemory(have, ProxyProtocolHeader.V2MaxLength - have), SocketFlags.None, deadline.Token)
                    .ConfigureAwait(false);
                if (read == 0)
                {
                    return new TcpProxyHeader("missing", null, null);
                }

                have += read;
                var status = ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(buffer, 0, have), out var consumed, out var source);
                switch (status)
                {
                    case ProxyHeaderStatus.Done:
                        return new TcpProxyHeader(null, source, have > consumed ? buffer.AsSpan(consumed, have - consumed).ToArray() : null);
                    case ProxyHeaderStatus.Absent:
                        return new TcpProxyHeader("missing", null, null);
                    case ProxyHeaderStatus.Malformed:
                        return new TcpProxyHeader("malformed", null, null);
                }

                if (have == ProxyProtocolHeader.V2MaxLength)
                {
                    return new TcpProxyHeader("malformed", null, null);
                }
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return new TcpProxyHeader("timeout", null, null);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return new TcpProxyHeader("missing", null, null); // reset before a whole header, or the router is stopping
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
