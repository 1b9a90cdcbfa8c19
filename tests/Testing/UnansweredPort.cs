using System.Net;
using System.Net.Sockets;

namespace Entrance.Testing;

/// <summary>
/// A loopback port where a connect hangs, as to a host that drops packets: a listener with a backlog of one that never
/// accepts, its queue filled at once, so the kernel drops further SYNs and the client waits for its own timeout (Linux).
/// </summary>
public sealed class UnansweredPort : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _fillers = [];

    public UnansweredPort()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;

        // More connects than the queue holds (backlog + 1 on Linux); the kernel's own count says when it is full, since
        // a connect that is merely slow on a loaded machine would look the same as a dropped one.
        for (var i = 0; i < 4; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _fillers.Add(filler);
            _ = filler.ConnectAsync(IPAddress.Loopback, Port).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (AcceptQueue() < 2)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the accept queue of {Port} did not fill: connects to it would be answered");
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>Connections waiting to be accepted, from /proc/net/tcp (rx_queue of a listening socket).</summary>
    private int AcceptQueue()
    {
        var local = $"0100007F:{Port:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 4 && fields[1] == local && fields[3] == "0A")
            {
                return Convert.ToInt32(fields[4].Split(':')[1], 16);
            }
        }

        return 0;
    }

    public int Port { get; }

    /// <summary><c>scheme://127.0.0.1:port</c>.</summary>
    public string Address(string scheme) => $"{scheme}://127.0.0.1:{Port}";

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
    }
}
