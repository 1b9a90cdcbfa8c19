using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entrance.Testing.Grpc;

/// <summary>
/// A real gRPC server (Grpc.AspNetCore on Kestrel, 127.0.0.1) serving <c>entrance.test.Echo</c>. Cleartext it speaks only
/// HTTP/2 with prior knowledge (its URL is <c>h2c://</c>); with a certificate it speaks TLS with ALPN h2 (and HTTP/1.1).
/// It counts the calls whose cancellation it saw, so a test can tell a client's cancel reached it; <c>GET /whoami</c>
/// answers "name protocol".
/// </summary>
public sealed class GrpcTestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestBackend(WebApplication app, string name, EchoState state)
    {
        _app = app;
        Name = name;
        State = state;
    }

    public string Name { get; }

    /// <summary>The backend URL as stored in Redis: h2c://127.0.0.1:port or https://127.0.0.1:port.</summary>
    public string Url { get; private set; } = string.Empty;

    public int Port => new Uri(Url.Replace("h2c://", "http://", StringComparison.Ordinal)).Port;

    internal EchoState State { get; }

    /// <summary>Calls that ended because their caller cancelled (as the server saw it).</summary>
    public int Cancelled => State.Cancelled;

    /// <summary>Completes when the next call's cancellation is seen.</summary>
    public Task NextCancellation => State.NextCancellation.Task;

    /// <param name="certificate">With one, TLS (ALPN h2 and http/1.1); without, cleartext HTTP/2 only.</param>
    public static async Task<GrpcTestBackend> StartAsync(string name, X509Certificate2? certificate = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, listen =>
        {
            if (certificate is null)
            {
                listen.Protocols = HttpProtocols.Http2;
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        }));
        var state = new EchoState(name);
        builder.Services.AddSingleton(state);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        // A plain request too, for hosts mixing gRPC and HTTP/1.1 backends: which backend, reached how.
        app.MapGet("/whoami", (Microsoft.AspNetCore.Http.HttpContext c) => $"{name} {c.Request.Protocol}");
        var backend = new GrpcTestBackend(app, name, state);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address).Port;
        backend.Url = (certificate is null ? "h2c" : "https") + "://127.0.0.1:" + bound;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What the service shares with its <see cref="GrpcTestBackend"/>.</summary>
internal sealed class EchoState(string name)
{
    private int _cancelled;

    public string Name { get; } = name;

    public int Cancelled => Volatile.Read(ref _cancelled);

    public TaskCompletionSource NextCancellation { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void SawCancellation()
    {
        Interlocked.Increment(ref _cancelled);
        var seen = NextCancellation;
        NextCancellation = new(TaskCreationOptions.RunContinuationsAsynchronously);
        seen.TrySetResult();
    }
}

/// <summary>The four call kinds; each reply names the backend and the HTTP version it was reached with.</summary>
internal sealed class EchoService(EchoState state) : Echo.EchoBase
{
    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        await context.WriteResponseHeadersAsync([new("x-echo-header", state.Name)]);
        context.ResponseTrailers.Add("x-echo-trailer", "unary:" + request.Text);
        await DelayAsync(request.DelayMs, context);
        if (request.FailStatus != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailStatus, request.Text), new Metadata { { "x-echo-failure", "yes" } });
        }

        return Reply(request.Text, context);
    }

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0)
            {
                await DelayAsync(request.IntervalMs, context);
            }

            await responseStream.WriteAsync(Reply($"{request.Text}{i}", context));
        }

        context.ResponseTrailers.Add("x-echo-trailer", "stream:" + request.Count);
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var texts = new List<string>();
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            texts.Add(message.Text);
        }

        context.ResponseTrailers.Add("x-echo-trailer", "client:" + texts.Count);
        return Reply(string.Join(",", texts), context);
    }

    public override async Task Bidi(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await DelayAsync(message.DelayMs, context);
            await responseStream.WriteAsync(Reply(message.Text, context));
        }
    }

    private EchoReply Reply(string text, ServerCallContext context) =>
        new()
        {
            Text = text,
            Backend = state.Name,
            Protocol = context.GetHttpContext().Request.Protocol,
            DeadlineMs = context.Deadline == DateTime.MaxValue ? -1 : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds,
        };

    private async Task DelayAsync(int ms, ServerCallContext context)
    {
        if (ms <= 0)
        {
            return;
        }

        try
        {
            await Task.Delay(ms, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            state.SawCancellation();
            throw;
        }
    }
}
