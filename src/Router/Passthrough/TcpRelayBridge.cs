using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Entrance.Router.Passthrough;

/// <summary>Byte copy both ways between the client's pipes and a backend socket, half-close honoured.</summary>
internal static class TcpRelayBridge
{
    public static async Task<RelayOutcome> RelayAsync(ConnectionContext connection, Socket backend)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        long bytesIn = 0, bytesOut = 0;
        var reason = "closed";

        async Task Upstream()
        {
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync();
                    var buffer = read.Buffer;
                    foreach (var segment in buffer)
                    {
                        var sent = 0;
                        while (sent < segment.Length)
                        {
                            sent += await backend.SendAsync(segment[sent..], SocketFlags.None);
                        }
                    }

                    bytesIn += buffer.Length;
                    input.AdvanceTo(buffer.End);
                    if (read.IsCompleted || read.IsCanceled)
                    {
                        break;
                    }
                }

                backend.Shutdown(SocketShutdown.Send); // the client finished sending: tell the backend
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or ConnectionResetException or IOException)
            {
                reason = "client_error";
                backend.Close(0);
            }
        }

        async Task Downstream()
        {
            try
            {
                while (true)
                {
                    var memory = output.GetMemory(16 * 1024);
                    var received = await backend.ReceiveAsync(memory, SocketFlags.None);
                    if (received == 0)
                    {
                        break;
                    }

                    output.Advance(received);
                    bytesOut += received;
                    var flush = await output.FlushAsync();
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }
                }

                await output.CompleteAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or ConnectionResetException or IOException)
            {
                reason = "backend_error";
                connection.Abort(new ConnectionAbortedException("backend failed"));
                input.CancelPendingRead();
            }
        }

        await Task.WhenAll(Upstream(), Downstream());
        return new RelayOutcome(bytesIn, bytesOut, reason);
    }
}
