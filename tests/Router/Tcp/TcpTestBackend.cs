using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Entrance.Router.Tests.Tcp;

/// <summary>
/// A real TCP backend on a free loopback port: greets with its name (optional), echoes what it receives (or, in
/// reply-on-EOF mode, answers once the client has shut down its send side), and records every connection's bytes.
/// </summary>
public sealed class TcpTestBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _accepted = [];
    private readonly Task _loop;

    private TcpTestBackend(string name, bool greet, bool replyOnEof)
    {
        Name = name;
        Greet = greet;
        ReplyOnEof = replyOnEof;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptAsync();
    }

    public string Name { get; }

    public bool Greet { get; }

    public bool ReplyOnEof { get; }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Every connection's received bytes, in accept order (filled as bytes arrive).</summary>
    public ConcurrentQueue<MemoryStream> Received { get; } = new();

    public int Accepted => Received.Count;

    public static TcpTestBackend Echo(string name = "echo", bool greet = false) => new(name, greet, replyOnEof: false);

    /// <summary>Reads until the client's FIN, then sends <c>got N bytes</c> and closes.</summary>
    public static TcpTestBackend AnswerAfterEof() => new("eof", greet: false, replyOnEof: true);

    /// <summary>Stops listening and resets every open connection, like a killed process.</summary>
    public async Task KillAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var socket in _accepted)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception)
            {
            }

            socket.Dispose();
        }

        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _accepted.Add(socket);
            var received = new MemoryStream();
            Received.Enqueue(received);
            _ = ServeAsync(socket, received);
        }
    }

    private async Task ServeAsync(Socket socket, MemoryStream received)
    {
        try
        {
            if (Greet)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(Name + "\n"));
            }

            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(), _stop.Token)) > 0)
            {
                lock (received)
                {
                    received.Write(buffer, 0, read);
                }

                if (!ReplyOnEof)
                {
                    await socket.SendAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }

            if (ReplyOnEof)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes($"got {received.Length} bytes"));
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // Killed or reset: the test looks at what the client saw.
        }
        finally
        {
            socket.Dispose();
        }
    }

    public byte[] ReceivedBy(int connection)
    {
        var stream = Received.ElementAt(connection);
        lock (stream)
        {
            return stream.ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _stop.Dispose();
    }
}
