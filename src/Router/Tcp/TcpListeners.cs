using System.Net;
using System.Net.Sockets;
using Entrance.Hosting.Startup;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tcp;

/// <summary>
/// The TCP route listeners: one plain socket per port of <c>Entrance:Tcp:Ports</c> on <c>Entrance:Tcp:Address</c>, each
/// with an accept loop handing connections to <see cref="TcpConnectionHandler"/>. Plain sockets rather than Kestrel
/// endpoints: Kestrel ignores <c>--urls</c> once endpoints are added in code, and a socket-to-socket relay needs no pipes
/// (measured with <see cref="TcpRelay"/> both ways on a loaded 2-core VM: client → backend bulk about 2× Kestrel's pipe
/// path, which receives in 4 KiB blocks; backend → client and new connections/s alike).
/// A port that cannot be bound fails the start with one clear line. On stop, accepting ends at once; open connections
/// get the host's shutdown timeout (<c>Entrance:DrainTimeout</c>) to finish, then are cut.
/// </summary>
public sealed class TcpListeners(TcpConnectionHandler handler, IOptions<TcpOptions> options, ILogger<TcpListeners> logger) : IHostedService, IDisposable
{
    private readonly List<(Socket Socket, int Port)> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abort = new();

    /// <summary>The ports listened on, once started.</summary>
    public IReadOnlyList<int> Ports => _listeners.Select(l => l.Port).ToArray();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var ports = o.ParsePorts();
        if (ports.Count == 0)
        {
            return Task.CompletedTask;
        }

        var address = IPAddress.Parse(o.Address);
        foreach (var port in ports)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = address.Equals(IPAddress.IPv6Any);
                }

                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                // Accepted sockets inherit TCP_NODELAY from the listener on Linux: one system call per connection less.
                socket.NoDelay = true;
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(o.Backlog);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                CloseListeners();
                throw new StartupConfigurationException($"{TcpOptions.Section}: cannot listen on TCP {address}:{port}: {ex.Message}", ex);
            }

            _listeners.Add((socket, port));
        }

        foreach (var (socket, port) in _listeners)
        {
            _loops.Add(AcceptLoopAsync(socket, port));
        }

        logger.LogInformation("Relaying TCP routes on {Address}, {Count} port(s): {Ports}", address, ports.Count, string.Join(',', o.Ports));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopAccepting.CancelAsync().ConfigureAwait(false);
        CloseListeners();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        try
        {
            while (handler.Open > 0)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Cutting {Count} TCP connection(s) still open at the end of the drain", handler.Open);
        }
        finally
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task AcceptLoopAsync(Socket listener, int port)
    {
        var stopping = _stopAccepting.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                // No token: stopping closes the listener, which ends a pending accept (and saves a registration per accept).
                client = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and the like: say so, breathe, go on accepting.
                logger.LogWarning("Accepting on TCP port {Port} failed: {Reason}", port, ex.Message);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            _ = handler.HandleAsync(client, port, _abort.Token);
        }
    }

    private void CloseListeners()
    {
        foreach (var (socket, _) in _listeners)
        {
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        CloseListeners();
        _stopAccepting.Dispose();
        _abort.Dispose();
    }
}
