using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Entrance.Testing;

namespace Entrance.Router.Tests.Proxy;

/// <summary>Bodies and upgraded connections go through the router as streams, never buffered whole.</summary>
public class StreamingTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const long HundredMegabytes = 100L * 1024 * 1024;

    // Everything in this test process (client, router, backend) shares the heap; buffering 100 MB anywhere would show.
    private const long MaxGrowthBytes = 40L * 1024 * 1024;

    private TestBackend _backend = null!;
    private RouterHost _router = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _backend = await TestBackend.StartAsync("stream");
        _router = await RouterHost.StartAsync(redis.Server);
        // Requests to http://127.0.0.1:port carry Host 127.0.0.1:port, which normalises to 127.0.0.1.
        await redis.Server.CliAsync("SADD", "entrance:backends:127.0.0.1", _backend.Url);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task WebSocket_EchoThroughRouter_MessagesRoundTrip()
    {
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{_router.Port}/ws"), CancellationToken.None);
        var buffer = new byte[1024];
        foreach (var text in new[] { "hello", "entrance", new string('z', 900) })
        {
            await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            var result = await ws.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, ws.State);
    }

    [Fact]
    public async Task Upload_100MegabytesStreamed_MemoryStaysFlat()
    {
        var baseline = SettledHeap();
        using var sampler = new HeapSampler();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new GeneratedContent(HundredMegabytes) };

        using var response = await _router.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HundredMegabytes.ToString(), await response.Content.ReadAsStringAsync());
        Assert.True(sampler.Peak - baseline < MaxGrowthBytes, $"heap grew by {(sampler.Peak - baseline) / 1024 / 1024} MB during a 100 MB upload");
    }

    [Fact]
    public async Task Download_100MegabytesStreamed_MemoryStaysFlat()
    {
        var baseline = SettledHeap();
        using var sampler = new HeapSampler();

        using var response = await _router.Client.GetAsync($"/download?bytes={HundredMegabytes}", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0)
        {
            total += n;
        }

        Assert.Equal(HundredMegabytes, total);
        Assert.True(sampler.Peak - baseline < MaxGrowthBytes, $"heap grew by {(sampler.Peak - baseline) / 1024 / 1024} MB during a 100 MB download");
    }

    private static long SettledHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    /// <summary>Samples the live heap size while a transfer runs and keeps the peak.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public HeapSampler()
        {
            _timer = new Timer(_ => Sample(), null, 0, 20);
        }

        public long Peak
        {
            get
            {
                Sample();
                return Interlocked.Read(ref _peak);
            }
        }

        private void Sample()
        {
            var now = GC.GetTotalMemory(false);
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>A request body produced chunk by chunk, so the client never holds it whole either.</summary>
    private sealed class GeneratedContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'u');
            for (long sent = 0; sent < length; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
            }
        }

        protected override bool TryComputeLength(out long len)
        {
            len = length;
            return true;
        }
    }
}
