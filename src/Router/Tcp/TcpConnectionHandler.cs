using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Entrance.Core.Store;
using Entrance.Router.AccessLog;
using Entrance.Router.Configuration;
using Entrance.Router.Proxy;
using Entrance.Router.ProxyProtocol;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tcp;

/// <summary>
/// One accepted TCP connection, start to end: the router's and the route's connection limits, the port's route from
/// <see cref="TcpRouteCache"/>, a backend by the route's policy (a connect that fails or times out marks that backend
/// dead for every router and the next is tried), the PROXY header if asked for, then <see cref="TcpRelay"/>, then a
/// metric and an access-log line. At a limit, with no route or no reachable backend the client is closed at once.
/// </summary>
public sealed class TcpConnectionHandler(
    TcpRouteCache cache,
    TcpRouteStore store,
    TcpMetrics metrics,
    AccessLogWriter accessLog,
    IOptions<TcpOptions> tcpOptions,
    IOptions<EntranceOptions> entranceOptions,
    TrustedProxies trustedProxies,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<TcpConnectionHandler> logger)
{
    private readonly TcpOptions _options = tcpOptions.Value;
    private readonly TimeSpan _proxyHeaderTimeout = ProxyProtocolOptions.From(configuration).ProxyProtocolTimeout;
    private readonly TimeSpan _deadTtl = entranceOptions.Value.DeadBackendTtl;
    private int _open;

    /// <summary>Connections being handled now, all ports together.</summary>
    public int Open => Volatile.Read(ref _open);

    public async Task HandleAsync(Socket client, int port, CancellationToken stopping)
    {
        var remote = SafeRemote(client);
        var startedAt = time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var state = cache.State(port);
        var route = metrics.Route(state.PortText);
        if (Interlocked.Increment(ref _open) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            Reject(client, new Closing(remote, port, route, startedAt, started), "router_limit");
            return;
        }

        try
        {
            await HandleWithinLimitAsync(client, remote, state, route, startedAt, started, stopping).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never let one connection take the accept loop down.
            logger.LogError(ex, "TCP connection on port {Port} failed", port);
            client.Dispose();
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private async Task HandleWithinLimitAsync(Socket client, EndPoint? remote, TcpPortState state, string route, DateTimeOffset startedAt, long started, CancellationToken stopping)
    {
        byte[]? leftover = null;
        if (_options.AcceptProxyProtocol && trustedProxies.Contains((remote as IPEndPoint)?.Address))
        {
            var header = await TcpProxyHeaderReader.ReadAsync(client, _proxyHeaderTimeout, stopping).ConfigureAwait(false);
            if (header.Problem is not null)
            {
                logger.LogDebug("TCP port {Port}: closing a connection from {Peer}: PROXY header {Problem}", state.Port, remote, header.Problem);
                Reject(client, new Closing(remote, state.Port, route, startedAt, started), "proxy_header");
                return;
            }

            remote = header.Source ?? remote;
            leftover = header.Leftover;
        }

        TcpRouteEntry? entry;
        try
        {
            entry = (await cache.GetAsync(state.Port).ConfigureAwait(false)).Entry;
        }
        catch (RouteStoreUnavailableException ex)
        {
            logger.LogDebug("No TCP route for port {Port}: {Reason}", state.Port, ex.Message);
            Reject(client, new Closing(remote, state.Port, route, startedAt, started), "store_unavailable");
            return;
        }

        if (entry is null || entry.Backends.Length == 0)
        {
            Reject(client, new Closing(remote, state.Port, route, startedAt, started), "no_route");
            return;
        }

        if (!state.TryEnter(entry.Settings.MaxConnections))
        {
            Reject(client, new Closing(remote, state.Port, route, startedAt, started), "route_limit");
            return;
        }

        try
        {
            var (backend, socket) = await ConnectAsync(entry, route, stopping).ConfigureAwait(false);
            if (socket is null)
            {
                Reject(client, new Closing(remote, state.Port, route, startedAt, started), "no_backend");
                return;
            }

            backend!.Load.Enter();
            metrics.Opened(route);
            TcpRelayResult result;
            try
            {
                if (!OperatingSystem.IsLinux())
                {
                    client.NoDelay = true; // Linux: inherited from the listener (TcpListeners)
                }

                if (entry.Settings.ProxyProtocol != ProxyHeaderVersion.None)
                {
                    await SendProxyHeaderAsync(remote, client.LocalEndPoint, socket, entry.Settings.ProxyProtocol, stopping).ConfigureAwait(false);
                }

                if (leftover is not null)
                {
                    await SendAllAsync(socket, leftover, stopping).ConfigureAwait(false); // read with the inbound PROXY header
                }

                result = await TcpRelay.RunAsync(client, socket, entry.RelayOptions, stopping).ConfigureAwait(false);
                if (leftover is not null)
                {
                    result = result with { BytesFromClient = result.BytesFromClient + leftover.Length };
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The PROXY header could not be sent: the backend went away at once.
                client.Dispose();
                socket.Dispose();
                result = new TcpRelayResult(0, 0, stopping.IsCancellationRequested ? TcpCloseReason.Aborted : TcpCloseReason.BackendError);
            }
            finally
            {
                backend.Load.Exit();
            }

            metrics.Closed(route, result);
            accessLog.Write(AccessLogEntry.ForTcp(new TcpAccessLogEntry(
                startedAt, remote, state.Port, backend.Address, result.BytesFromClient, result.BytesToClient,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.ReasonText)));
        }
        finally
        {
            state.Exit();
        }
    }

    /// <summary>Tries the route's backends in the policy's order; each failure marks that backend dead for every router.</summary>
    private async Task<(TcpBackend? Backend, Socket? Socket)> ConnectAsync(TcpRouteEntry entry, string route, CancellationToken stopping)
    {
        foreach (var backend in entry.Order(time.GetUtcNow().ToUnixTimeMilliseconds()))
        {
            try
            {
                return (backend, await BackendConnect.ConnectSocketAsync(backend.EndPoint, entry.Settings.ConnectTimeout, stopping).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or OperationCanceledException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return (null, null);
                }

                logger.LogWarning("TCP route {Port}: cannot connect to {Backend} ({Reason}); marked dead for {Ttl}",
                    entry.State.Port, backend.Address, ex is TimeoutException ? "connect timeout" : ex.Message, _deadTtl);
                metrics.ConnectFailed(route);
                MarkDead(entry, backend);
            }
        }

        return (null, null);
    }

    private void MarkDead(TcpRouteEntry entry, TcpBackend backend)
    {
        var until = time.GetUtcNow().Add(_deadTtl).ToUnixTimeMilliseconds();
        entry.State.LocalDeadUntil[backend.Address] = until;
        _ = MarkDeadInStoreAsync(entry.State.Port, backend.Address, until);
    }

    private async Task MarkDeadInStoreAsync(int port, string backend, long until)
    {
        try
        {
            await store.MarkDeadAsync(port, backend, until).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // This router still skips it (LocalDeadUntil); the others learn it from their own connects.
            logger.LogDebug("Could not share the dead mark of {Backend} on TCP port {Port}: {Reason}", backend, port, ex.Message);
        }
    }

    /// <summary>The route's PROXY header: the client's address (the inbound header's, when a trusted peer sent one).</summary>
    private static Task SendProxyHeaderAsync(EndPoint? source, EndPoint? destination, Socket backend, ProxyHeaderVersion version, CancellationToken stopping) =>
        SendAllAsync(backend, version == ProxyHeaderVersion.V2 ? ProxyProtocolWriter.V2(source, destination) : ProxyProtocolWriter.V1(source, destination), stopping);

    private static async Task SendAllAsync(Socket backend, byte[] data, CancellationToken stopping)
    {
        var sent = 0;
        while (sent < data.Length)
        {
            sent += await backend.SendAsync(data.AsMemory(sent), SocketFlags.None, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>Closes a connection that is not relayed: counted, and logged like any closed connection (no backend, no bytes).</summary>
    private void Reject(Socket client, in Closing c, string reason)
    {
        metrics.Failed(c.Route, reason);
        client.Dispose();
        accessLog.Write(AccessLogEntry.ForTcp(new TcpAccessLogEntry(
            c.StartedAt, c.Remote, c.Port, null, 0, 0, Stopwatch.GetElapsedTime(c.Started).TotalMilliseconds, reason)));
    }

    private readonly record struct Closing(EndPoint? Remote, int Port, string Route, DateTimeOffset StartedAt, long Started);

    private static EndPoint? SafeRemote(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }
}
