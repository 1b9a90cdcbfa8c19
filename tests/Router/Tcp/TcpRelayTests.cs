using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Entrance.Router.Tcp;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;

namespace Entrance.Router.Tests.Tcp;

/// <summary>The relay alone: the client side is a pair of in-memory pipes (as Kestrel hands them over), the backend a real loopback socket.</summary>
public sealed class TcpRelayTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunAsync_BufferedClientBytes_RelayedFirstAndHalfCloseHonoured()
    {
        using var listener = Listen(out var endpoint);
        var (client, fromClient, toClient) = ClientPipes();
        await fromClient.Writer.WriteAsync(Encoding.ASCII.GetBytes("PEEKED|")); // already read by the caller, not consumed
        var backend = await ConnectAsync(endpoint);
        using var accepted = await listener.AcceptSocketAsync();

        var relay = TcpRelay.RunAsync(client, backend, new TcpRelayOptions());
        await fromClient.Writer.WriteAsync(Encoding.ASCII.GetBytes("rest"));
        await fromClient.Writer.CompleteAsync(); // the client shuts down its send side

        var received = await ReadToEndAsync(accepted); // ends: the relay shut down the backend's send side
        Assert.Equal("PEEKED|rest", received);
        await accepted.SendAsync(Encoding.ASCII.GetBytes("reply after half-close"));
        accepted.Shutdown(SocketShutdown.Send);

        var result = await relay.WaitAsync(Bound);
        Assert.Equal("reply after half-close", await ReadAllAsync(toClient.Reader));
        Assert.Equal(new TcpRelayResult(11, 22, TcpCloseReason.ClientClosed), result);
        Assert.Equal("client_closed", result.ReasonText);
    }

    [Fact]
    public async Task RunAsync_BackendEndsFirst_ClientOutputCompleted()
    {
        using var listener = Listen(out var endpoint);
        var (client, fromClient, toClient) = ClientPipes();
        var backend = await ConnectAsync(endpoint);
        using var accepted = await listener.AcceptSocketAsync();

        var relay = TcpRelay.RunAsync(client, backend, new TcpRelayOptions());
        await accepted.SendAsync(Encoding.ASCII.GetBytes("banner"));
        accepted.Shutdown(SocketShutdown.Send);

        Assert.Equal("banner", await ReadAllAsync(toClient.Reader).WaitAsync(Bound));
        await fromClient.Writer.CompleteAsync(); // as Kestrel does once it closed the client connection
        var result = await relay.WaitAsync(Bound);
        Assert.Equal(TcpCloseReason.BackendClosed, result.Reason);
        Assert.Equal(6, result.BytesToClient);
    }

    [Fact]
    public async Task RunAsync_NoTraffic_EndsWithIdleTimeout()
    {
        using var listener = Listen(out var endpoint);
        var (client, _, _) = ClientPipes();
        var backend = await ConnectAsync(endpoint);
        using var accepted = await listener.AcceptSocketAsync();

        var result = await TcpRelay.RunAsync(client, backend, new TcpRelayOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) }).WaitAsync(Bound);

        Assert.Equal(TcpCloseReason.IdleTimeout, result.Reason);
        Assert.Equal(0, await ReceiveOrZeroAsync(accepted)); // the backend connection was closed
    }

    [Fact]
    public async Task RunAsync_Cancelled_EndsAborted()
    {
        using var listener = Listen(out var endpoint);
        var (client, _, _) = ClientPipes();
        var backend = await ConnectAsync(endpoint);
        using var accepted = await listener.AcceptSocketAsync();
        using var cancel = new CancellationTokenSource();

        var relay = TcpRelay.RunAsync(client, backend, new TcpRelayOptions(), cancel.Token);
        await cancel.CancelAsync();

        Assert.Equal(TcpCloseReason.Aborted, (await relay.WaitAsync(Bound)).Reason);
    }

    [Fact]
    public async Task RunAsync_SocketsIdle_EndsWithIdleTimeoutAndClosesBothSides()
    {
        using var listener = Listen(out var endpoint);
        using var clientEnd = await ConnectAsync(endpoint);
        var client = await listener.AcceptSocketAsync();
        var backend = await ConnectAsync(endpoint);
        using var backendEnd = await listener.AcceptSocketAsync();

        var result = await TcpRelay.RunAsync(client, backend, new TcpRelayOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) }).WaitAsync(Bound);

        Assert.Equal(TcpCloseReason.IdleTimeout, result.Reason);
        Assert.Equal(0, await ReceiveOrZeroAsync(clientEnd));
        Assert.Equal(0, await ReceiveOrZeroAsync(backendEnd));
    }

    [Fact]
    public async Task RunAsync_SocketsCancelled_EndsAbortedAndClosesBothSides()
    {
        using var listener = Listen(out var endpoint);
        using var clientEnd = await ConnectAsync(endpoint);
        var client = await listener.AcceptSocketAsync();
        var backend = await ConnectAsync(endpoint);
        using var backendEnd = await listener.AcceptSocketAsync();
        using var cancel = new CancellationTokenSource();

        var relay = TcpRelay.RunAsync(client, backend, new TcpRelayOptions(), cancel.Token);
        await clientEnd.SendAsync("ping"u8.ToArray());
        Assert.Equal(4, await backendEnd.ReceiveAsync(new byte[16].AsMemory()).AsTask().WaitAsync(Bound));
        await cancel.CancelAsync();

        var result = await relay.WaitAsync(Bound);
        Assert.Equal(TcpCloseReason.Aborted, result.Reason);
        Assert.Equal(4, result.BytesFromClient);
        Assert.Equal(0, await ReceiveOrZeroAsync(clientEnd));
        Assert.Equal(0, await ReceiveOrZeroAsync(backendEnd));
    }

    [Fact]
    public async Task RunAsync_RealKestrelConnection_RelaysAndHonoursClientHalfClose()
    {
        await using var backend = TcpTestBackend.AnswerAfterEof();
        var relayed = new TaskCompletionSource<TcpRelayResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Run(async connection =>
        {
            var socket = await ConnectAsync(new IPEndPoint(IPAddress.Loopback, backend.Port));
            relayed.SetResult(await TcpRelay.RunAsync(connection, socket, new TcpRelayOptions()));
        })));
        await using var app = builder.Build();
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        using var client = await TcpTestClient.ConnectAsync(port);
        await client.SendAsync("through kestrel");
        client.Socket.Shutdown(SocketShutdown.Send);

        Assert.Equal("got 15 bytes", await client.ReadToEndAsync());
        var result = await relayed.Task.WaitAsync(Bound);
        Assert.Equal(new TcpRelayResult(15, 12, TcpCloseReason.ClientClosed), result);
    }

    private static TcpListener Listen(out IPEndPoint endpoint)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        endpoint = (IPEndPoint)listener.LocalEndpoint;
        return listener;
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint);
        return socket;
    }

    private static (IDuplexPipe Client, Pipe FromClient, Pipe ToClient) ClientPipes()
    {
        var fromClient = new Pipe();
        var toClient = new Pipe();
        return (new DuplexPipe(fromClient.Reader, toClient.Writer), fromClient, toClient);
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Bound)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<int> ReceiveOrZeroAsync(Socket socket)
    {
        try
        {
            return await socket.ReceiveAsync(new byte[16].AsMemory()).AsTask().WaitAsync(Bound);
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    private static async Task<string> ReadAllAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
                reader.AdvanceTo(result.Buffer.End);
                return text;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
