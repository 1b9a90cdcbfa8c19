using System.Net;
using System.Net.Sockets;

namespace Entrance.Testing;

/// <summary>
/// A loopback port that refuses connections for as long as this lives: a socket bound to it but not listening, so the
/// kernel answers a connect with a reset and nobody else can take the port meanwhile (a port that was merely free
/// could be taken by another test's listener and answer).
/// </summary>
public sealed class RefusedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string Url => Address("http");

    public string Address(string scheme) => $"{scheme}://127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
