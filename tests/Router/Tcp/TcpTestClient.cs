using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Entrance.Router.Tests.Tcp;

/// <summary>A raw TCP client for the router's TCP ports, with generous bounds on every wait.</summary>
public sealed class TcpTestClient : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private TcpTestClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<TcpTestClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Bound);
        return new TcpTestClient(socket);
    }

    public async Task SendAsync(string text) => await Socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Reads until <paramref name="count"/> bytes came or the stream ended.</summary>
    public async Task<string> ReadAsync(int count)
    {
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await ReceiveAsync(buffer.AsMemory(total));
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return Encoding.ASCII.GetString(buffer, 0, total);
    }

    /// <summary>Reads one line (without its \n), or what came before the stream ended.</summary>
    public async Task<string> ReadLineAsync()
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await ReceiveAsync(one) == 1 && one[0] != '\n')
        {
            line.Append((char)one[0]);
        }

        return line.ToString();
    }

    /// <summary>Everything until the other side closes.</summary>
    public async Task<string> ReadToEndAsync()
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await ReceiveAsync(buffer)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return Encoding.ASCII.GetString(all.ToArray());
    }

    /// <summary>True when the router closed the connection (FIN or reset) without sending anything.</summary>
    public async Task<bool> ClosedAsync() => await ReceiveAsync(new byte[1]) == 0;

    private async Task<int> ReceiveAsync(Memory<byte> buffer)
    {
        try
        {
            return await Socket.ReceiveAsync(buffer).AsTask().WaitAsync(Bound);
        }
        catch (SocketException)
        {
            return 0; // reset: closed too
        }
    }

    public void Dispose() => Socket.Dispose();
}
