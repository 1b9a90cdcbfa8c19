using Entrance.Testing;
using Entrance.Testing.Grpc;
using Grpc.Core;

namespace Entrance.Router.Tests.Http2;

/// <summary>
/// A real Grpc.Net.Client through a real router to a real Grpc.AspNetCore backend (h2c://), over the router's h2c
/// listener (tls false) and its TLS listener (tls true, h2 by ALPN): the four call kinds, metadata, deadlines, cancels.
/// </summary>
public sealed class GrpcProxyTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string Host = "grpc.example.com";
    private RouterHost _router = null!;
    private GrpcTestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await GrpcTestBackend.StartAsync("g1");
        // One direct call first: a cold backend (JIT, on a busy machine) could take longer than the short BackendTimeout below.
        using (var direct = global::Grpc.Net.Client.GrpcChannel.ForAddress(_backend.Url.Replace("h2c://", "http://", StringComparison.Ordinal)))
        {
            await new Echo.EchoClient(direct).UnaryAsync(new EchoRequest { Text = "warm-up" });
        }

        await redis.Server.CliAsync("SADD", "entrance:backends:" + Host, _backend.Url);
        // A short backend timeout: streams and deadlines below outlive it, as long as messages flow or the deadline allows.
        _router = await RouterHost.StartAsync(redis.Server,
            "Entrance:H2cUrls=http://127.0.0.1:0", "Entrance:HttpsUrls=https://127.0.0.1:0", "Entrance:BackendTimeout=00:00:03");
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_ThroughRouter_ReplyHeadersAndTrailersIntact(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);

        using var call = client.UnaryAsync(new EchoRequest { Text = "hi" });
        var reply = await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("hi", reply.Text);
        Assert.Equal("g1", reply.Backend);
        Assert.Equal("HTTP/2", reply.Protocol); // h2c to the backend
        Assert.Equal("g1", headers.GetValue("x-echo-header"));
        Assert.Equal("unary:hi", call.GetTrailers().GetValue("x-echo-trailer"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_BackendFails_StatusMessageAndTrailersPassThrough(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoRequest { Text = "gone away", FailStatus = (int)StatusCode.NotFound }));

        Assert.Equal(StatusCode.NotFound, failure.StatusCode);
        Assert.Equal("gone away", failure.Status.Detail);
        Assert.Equal("yes", failure.Trailers.GetValue("x-echo-failure"));
        Assert.Null(failure.Trailers.GetValue("x-entrance-error")); // the backend's answer, not the router's
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStream_MessagesOutlastBackendTimeout_AllArriveThenTrailers(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);

        // 6 messages 900 ms apart: 4.5 s in all, past the 3 s BackendTimeout, which counts idle time only.
        using var call = client.ServerStream(new StreamRequest { Text = "m", Count = 6, IntervalMs = 900 });
        var texts = new List<string>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            texts.Add(reply.Text);
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4", "m5"], texts);
        Assert.Equal("stream:6", call.GetTrailers().GetValue("x-echo-trailer"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientStream_ManyMessages_BackendGetsAllInOrder(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);

        using var call = client.ClientStream();
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = i.ToString() });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal(string.Join(",", Enumerable.Range(0, 20)), reply.Text);
        Assert.Equal("client:20", call.GetTrailers().GetValue("x-echo-trailer"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bidi_PingPong_EachMessageEchoedInTurn(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);

        using var call = client.Bidi();
        for (var i = 0; i < 5; i++)
        {
            // One at a time: the answer must come back before the next message is sent (no buffering on the way).
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "ping" + i });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal("ping" + i, call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_Deadline_ReachesBackendAndOutlivesBackendTimeout()
    {
        var client = H2Clients.Echo(_router, Host, tls: false);

        // 4 s of silence, past the 3 s BackendTimeout: the call's own 30 s deadline is what counts.
        var reply = await client.UnaryAsync(new EchoRequest { Text = "slow", DelayMs = 4000 }, deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal("slow", reply.Text);
        Assert.InRange(reply.DeadlineMs, 1, 30_000); // grpc-timeout arrived at the backend
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_DeadlineExpires_DeadlineExceededAndBackendCallEnds(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);
        var cancelled = _backend.NextCancellation;

        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.UnaryAsync(new EchoRequest { DelayMs = 60_000 }, deadline: DateTime.UtcNow.AddMilliseconds(500)));

        Assert.Equal(StatusCode.DeadlineExceeded, failure.StatusCode);
        await cancelled.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStream_ClientCancels_BackendCallCancelled(bool tls)
    {
        var client = H2Clients.Echo(_router, Host, tls);
        var cancelled = _backend.NextCancellation;
        using var cts = new CancellationTokenSource();

        // The first message comes at once, the second after a minute: cancel in between, while the backend waits.
        using var call = client.ServerStream(new StreamRequest { Text = "c", Count = 2, IntervalMs = 60_000 }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        cts.Cancel();

        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, failure.StatusCode);
        await cancelled.WaitAsync(TimeSpan.FromSeconds(20)); // no deadline was set: only the cancel can end it
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_UnknownHost_UnimplementedWithReason(bool tls)
    {
        var client = H2Clients.Echo(_router, "nobody.example.com", tls);

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Unimplemented, failure.StatusCode);
        Assert.Contains("No route for this host", failure.Status.Detail);
        Assert.Equal("unknown-host", failure.Trailers.GetValue("x-entrance-error"));
    }

    [Fact]
    public async Task Unary_UnreachableBackend_UnavailableWithReason()
    {
        using var refused = new RefusedPort();
        await redis.Server.CliAsync("SADD", "entrance:backends:down.example.com", refused.Address("h2c"));
        var client = H2Clients.Echo(_router, "down.example.com", tls: false);

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Equal("backend-unreachable", failure.Trailers.GetValue("x-entrance-error"));
    }

    [Fact]
    public async Task Metrics_GrpcCall_ProtocolsAndGrpcStatusCounted()
    {
        var client = H2Clients.Echo(_router, Host, tls: false);
        await client.UnaryAsync(new EchoRequest { Text = "a" });
        await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoRequest { Text = "b", FailStatus = (int)StatusCode.PermissionDenied }));

        var text = string.Empty;
        await Eventually.TrueAsync(async () => (text = await _router.AdminClient.GetStringAsync("/metrics")).Contains("entrance_grpc_responses_total{grpc_status=\"7\"} 1"),
            TimeSpan.FromSeconds(10), "grpc statuses counted");
        Assert.Contains("entrance_grpc_responses_total{grpc_status=\"0\"} 1", text);
        Assert.Contains("entrance_protocol_requests_total{in=\"HTTP/2\",out=\"h2c\"} 2", text);
    }
}
