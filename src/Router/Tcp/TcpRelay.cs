using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Entrance.Router.Tcp;

/// <summary>Why a relayed connection ended: the first event wins (an end of stream, a timeout, an error).</summary>
public enum TcpCloseReason
{
    /// <summary>The client ended its stream first (FIN); the backend's reply was still relayed until it closed.</summary>
    ClientClosed,

    /// <summary>The backend ended its stream first.</summary>
    BackendClosed,

    /// <summary>No byte moved either way for the idle timeout.</summary>
    IdleTimeout,

    /// <summary>Reading from or writing to the client failed (reset, aborted).</summary>
    ClientError,

    /// <summary>Reading from or writing to the backend failed (reset).</summary>
    BackendError,

    /// <summary>The caller cancelled the relay (the router is stopping).</summary>
    Aborted,
}

/// <summary>Options of one relay; a record so callers can keep one per route.</summary>
public sealed record TcpRelayOptions
{
    /// <summary>Close both sides when no byte moved either way for this long; zero or negative: never.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest read from the backend at once; big reads keep bulk transfers to few system calls.</summary>
    public int ReceiveBufferSize { get; init; } = 64 * 1024;
}

/// <summary>What a relay moved and why it ended.</summary>
public readonly record struct TcpRelayResult(long BytesFromClient, long BytesToClient, TcpCloseReason Reason)
{
    /// <summary>The reason as written in the access log and metrics (<c>client_closed</c>, <c>idle_timeout</c>...).</summary>
    public string ReasonText => TcpRelay.Describe(Reason);
}

/// <summary>
/// Copies bytes both ways between a client (a Kestrel connection's pipe) and a connected backend socket until both
/// sides have ended. Bytes already buffered in the client's input (a peeked ClientHello, a PROXY header's leftovers)
/// are relayed first. Half-close: when the client ends its stream the backend's send side is shut down and its reply
/// still relayed; when the backend ends first the client's output is completed, which makes Kestrel close the client
/// connection once the bytes are sent (Kestrel's socket transport has no send-only shutdown).
/// The relay owns <c>backend</c> and disposes it; it never throws for network failures, it reports them.
/// The <see cref="Socket"/> overload (the router's own TCP listeners) copies socket to socket and honours half-close
/// both ways; it owns and disposes the client socket too. Per connection it costs two pump tasks and no timer: idle
/// timeouts are checked by <see cref="IdleSweeper"/>, and a socket-to-socket relay is stopped by closing its sockets.
/// </summary>
public static class TcpRelay
{
    public static Task<TcpRelayResult> RunAsync(ConnectionContext client, Socket backend, TcpRelayOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(client.Transport, backend, options, cancellationToken);

    public static Task<TcpRelayResult> RunAsync(IDuplexPipe client, Socket backend, TcpRelayOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return RunCoreAsync(client, null, backend, options, cancellationToken);
    }

    public static Task<TcpRelayResult> RunAsync(Socket client, Socket backend, TcpRelayOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return RunCoreAsync(null, client, backend, options, cancellationToken);
    }

    private static async Task<TcpRelayResult> RunCoreAsync(IDuplexPipe? pipe, Socket? socket, Socket backend, TcpRelayOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        var run = new Run(pipe, socket, backend, options, cancellationToken);
        try
        {
            return await run.ExecuteAsync().ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
        }
    }

    internal static string Describe(TcpCloseReason reason) => reason switch
    {
        TcpCloseReason.ClientClosed => "client_closed",
        TcpCloseReason.BackendClosed => "backend_closed",
        TcpCloseReason.IdleTimeout => "idle_timeout",
        TcpCloseReason.ClientError => "client_error",
        TcpCloseReason.BackendError => "backend_error",
        _ => "aborted",
    };

    private sealed class Run : IdleSweeper.Member, IDisposable
    {
        private readonly IDuplexPipe? client;
        private readonly Socket? clientSocket;
        private readonly Socket backend;
        private readonly TcpRelayOptions options;
        private readonly CancellationToken outer;

        // Only the pipe (Kestrel) side needs a token to stop; socket to socket, stopping is disposing the sockets, which
        // saves a linked token source and a registration per read and write on every connection.
        private readonly CancellationTokenSource? _stop;
        private CancellationTokenRegistration _outerRegistration;
        private long _fromClient;
        private long _toClient;
        private int _reason = -1;

        public Run(IDuplexPipe? client, Socket? clientSocket, Socket backend, TcpRelayOptions options, CancellationToken outer)
            : base(options.IdleTimeout)
        {
            this.client = client;
            this.clientSocket = clientSocket;
            this.backend = backend;
            this.options = options;
            this.outer = outer;
            if (clientSocket is null)
            {
                _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
            }
            else if (outer.CanBeCanceled)
            {
                _outerRegistration = outer.UnsafeRegister(static s => ((Run)s!).AbortFromOuter(), this);
            }
        }

        public async Task<TcpRelayResult> ExecuteAsync()
        {
            IdleSweeper.Add(this);
            try
            {
                var up = clientSocket is null ? ClientToBackendAsync() : PumpAsync(clientSocket, backend, upstream: true);
                var down = clientSocket is null ? BackendToClientAsync() : PumpAsync(backend, clientSocket, upstream: false);

                // Neither direction throws: each reports its end through End/Fail.
                await up.ConfigureAwait(false);
                await down.ConfigureAwait(false);
            }
            finally
            {
                IdleSweeper.Remove(this);
            }

            if (outer.IsCancellationRequested)
            {
                End(TcpCloseReason.Aborted);
            }

            var reason = _reason < 0 ? TcpCloseReason.ClientClosed : (TcpCloseReason)_reason;
            return new TcpRelayResult(Interlocked.Read(ref _fromClient), Interlocked.Read(ref _toClient), reason);
        }

        public void Dispose()
        {
            _outerRegistration.Dispose();
            backend.Dispose();
            clientSocket?.Dispose();
            _stop?.Dispose();
        }

        protected override void OnIdle()
        {
            End(TcpCloseReason.IdleTimeout);
            Abort();
        }

        private void AbortFromOuter()
        {
            End(TcpCloseReason.Aborted);
            Abort();
        }

        /// <summary>Ends both directions now: pending reads and writes complete with an error the pumps report.</summary>
        private void Abort()
        {
            if (_stop is not null)
            {
                try
                {
                    _stop.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The relay ended meanwhile.
                }

                return;
            }

            backend.Dispose();
            clientSocket!.Dispose();
        }

        private async Task ClientToBackendAsync()
        {
            var input = client!.Input;
            var token = _stop!.Token;
            var clientSide = true;
            try
            {
                while (true)
                {
                    clientSide = true;
                    var result = await input.ReadAsync(token).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    if (!buffer.IsEmpty)
                    {
                        clientSide = false;
                        foreach (var segment in buffer)
                        {
                            await SendAllAsync(segment, token).ConfigureAwait(false);
                        }

                        Interlocked.Add(ref _fromClient, buffer.Length);
                        Touch();
                    }

                    input.AdvanceTo(buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }

                End(TcpCloseReason.ClientClosed);
                try
                {
                    backend.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // The backend is gone already: the other direction reports it.
                }
            }
            catch (Exception ex)
            {
                Fail(ex, clientSide ? TcpCloseReason.ClientError : TcpCloseReason.BackendError);
            }
            finally
            {
                await input.CompleteAsync().ConfigureAwait(false);
            }
        }

        private async Task BackendToClientAsync()
        {
            var output = client!.Output;
            var token = _stop!.Token;
            var clientSide = false;
            try
            {
                while (true)
                {
                    clientSide = false;
                    var memory = output.GetMemory(options.ReceiveBufferSize);
                    var read = await backend.ReceiveAsync(memory, SocketFlags.None, token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    clientSide = true;
                    output.Advance(read);
                    Interlocked.Add(ref _toClient, read);
                    Touch();
                    var flush = await output.FlushAsync(token).ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        // The client's side is gone: nothing more can be delivered.
                        Fail(null, TcpCloseReason.ClientError);
                        return;
                    }
                }

                End(TcpCloseReason.BackendClosed);
            }
            catch (Exception ex)
            {
                Fail(ex, clientSide ? TcpCloseReason.ClientError : TcpCloseReason.BackendError);
            }
            finally
            {
                await output.CompleteAsync().ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Socket to socket, one direction. Waits for data with a zero-byte receive and holds a buffer only while bytes
        /// flow, so thousands of idle connections cost no buffers.
        /// </summary>
        private async Task PumpAsync(Socket from, Socket to, bool upstream)
        {
            var fromSide = true;
            byte[]? buffer = null;
            try
            {
                var full = false;
                while (true)
                {
                    fromSide = true;
                    if (!full)
                    {
                        if (buffer is not null)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = null;
                        }

                        await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    }

                    buffer ??= ArrayPool<byte>.Shared.Rent(options.ReceiveBufferSize);
                    var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    fromSide = false;
                    await SendAllAsync(to, buffer.AsMemory(0, read), CancellationToken.None).ConfigureAwait(false);
                    Interlocked.Add(ref upstream ? ref _fromClient : ref _toClient, read);
                    Touch();
                    full = read == buffer.Length;
                }

                End(upstream ? TcpCloseReason.ClientClosed : TcpCloseReason.BackendClosed);
                try
                {
                    to.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // The other side is gone already: the other direction reports it.
                }
            }
            catch (Exception ex)
            {
                Fail(ex, upstream == fromSide ? TcpCloseReason.ClientError : TcpCloseReason.BackendError);
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        private ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken token) => SendAllAsync(backend, data, token);

        private static async ValueTask SendAllAsync(Socket to, ReadOnlyMemory<byte> data, CancellationToken token)
        {
            while (!data.IsEmpty)
            {
                var sent = await to.SendAsync(data, SocketFlags.None, token).ConfigureAwait(false);
                data = data[sent..];
            }
        }

        private void End(TcpCloseReason reason) => Interlocked.CompareExchange(ref _reason, (int)reason, -1);

        /// <summary>An error ends both directions; a cancellation we caused keeps the reason already recorded.</summary>
        private void Fail(Exception? ex, TcpCloseReason reason)
        {
            if (ex is not OperationCanceledException)
            {
                End(reason);
            }

            Abort();
        }
    }
}
