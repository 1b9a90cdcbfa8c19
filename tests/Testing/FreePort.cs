using System.Net;
using System.Net.Sockets;

namespace Entrance.Testing;

public static class FreePort
{
    /// <summary>A loopback port nobody listens on right now (callers retry if someone takes it meanwhile).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
