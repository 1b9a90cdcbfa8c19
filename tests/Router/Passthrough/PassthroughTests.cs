using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Entrance.Router.Passthrough;
using Entrance.Router.Tests.Tls;
using Entrance.Router.Tls;
using Entrance.Testing;

namespace Entrance.Router.Tests.Passthrough;

/// <summary>
/// A real router's HTTPS listener with a passthrough host (its TLS ended by the backend, with the backend's certificate)
/// next to a host the router terminates, on the same port; ClientHellos split over segments; garbage instead of TLS.
/// </summary>
public sealed class PassthroughTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();

    public async Task InitializeAsync() => await redis.Server.CliAsync("FLUSHALL");

    public Task DisposeAsync()
    {
        _certificates.Dispose();
        return Task.CompletedTask;
    }

    private Task<RouterHost> StartAsync(params string[] settings) =>
        RouterHost.StartAsync(redis.Server, ["Entrance:HttpsUrls=https://127.0.0.1:0", .. settings]);

    private async Task AddPassthroughAsync(string host, params string[] urls)
    {
        await redis.Server.CliAsync(["SADD", "entrance:backends:" + host, .. urls]);
        await redis.Server.CliAsync("HSET", "entrance:host:" + host, "passthrough", "1");
    }

    [Fact]
    public async Task Handshake_PassthroughHost_ClientSeesBackendCertificateNextToTerminatedHost()
    {
        var backendCertificate = _certificates.Leaf("secure.example.com");
        await using var backend = new TlsEchoBackend(backendCertificate, "secure-app");
        await AddPassthroughAsync("secure.example.com", backend.Url);
        var routerCertificate = _certificates.Leaf("shop.example.com");
        await redis.Server.StoreAsync("shop.example.com", routerCertificate);
        await using var shop = await TestBackend.StartAsync("shop-app");
        await redis.Server.CliAsync("SADD", "entrance:backends:shop.example.com", shop.Url);
        await using var router = await StartAsync();
        var port = router.HttpsPort();

        var (certificate, echo) = await EchoAsync(port, "secure.example.com", "hello through");
        using var client = TlsProbe.Client(port, _certificates);
        using var response = await client.GetAsync("https://shop.example.com/");

        Assert.Equal(backendCertificate.Thumbprint, certificate.Thumbprint);
        Assert.Equal("secure-app: hello through", echo);
        Assert.Equal("shop-app", Assert.Single(response.Headers.GetValues("X-Backend")));
        Assert.Equal(routerCertificate.Thumbprint, (await TlsProbe.HandshakeAsync(port, "shop.example.com")).Certificate.Thumbprint);
        Assert.Equal(1, router.Service<PassthroughMetrics>().Count(PassthroughResult.Relayed));
    }

    [Fact]
    public async Task Handshake_ClientHelloSplitOverSegments_StillPassedThrough()
    {
        var backendCertificate = _certificates.Leaf("split.example.com");
        await using var backend = new TlsEchoBackend(backendCertificate, "split-app");
        await AddPassthroughAsync("split.example.com", backend.Url);
        await using var router = await StartAsync();

        var (certificate, echo) = await EchoAsync(router.HttpsPort(), "split.example.com", "in pieces", chunks: 3);

        Assert.Equal(backendCertificate.Thumbprint, certificate.Thumbprint);
        Assert.Equal("split-app: in pieces", echo);
    }

    [Fact]
    public async Task Connection_GarbageInsteadOfClientHello_ClosedCountedListenerKeepsServing()
    {
        await using var router = await StartAsync();
        var port = router.HttpsPort();

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("GET / HTTP/1.1\r\nHost: garbage\r\n\r\n"u8.ToArray());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var read = await ReadToEndAsync(stream, timeout.Token);
            Assert.Equal(0, read); // closed without an answer
        }

        Assert.Equal(1, router.Service<PassthroughMetrics>().Count(PassthroughResult.NotTls));
        var (served, _) = await TlsProbe.HandshakeAsync(port, "other.example.com");
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, served.Thumbprint);
    }

    [Fact]
    public async Task Connection_UnparsableClientHello_ClosedCountedListenerKeepsServing()
    {
        await using var router = await StartAsync();
        var port = router.HttpsPort();
        var hello = await ClientHelloCapture.CaptureAsync("broken.example.com");
        hello[5] = 0x02; // a handshake record, but a ServerHello: no ClientHello to read

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(hello);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.Equal(0, await ReadToEndAsync(stream, timeout.Token)); // closed without a TLS alert or answer
        }

        await Eventually.TrueAsync(() => Task.FromResult(router.Service<PassthroughMetrics>().Count(PassthroughResult.InvalidHello) == 1),
            TimeSpan.FromSeconds(10), "the unparsable hello is counted");
        Assert.Contains("entrance_passthrough_connections_total{result=\"invalid_hello\"} 1", await router.AdminClient.GetStringAsync("/metrics"), StringComparison.Ordinal);
        var (served, _) = await TlsProbe.HandshakeAsync(port, "other.example.com");
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, served.Thumbprint);
    }

    [Fact]
    public async Task Connection_ClientHelloCutShort_ClosedCountedListenerKeepsServing()
    {
        await using var router = await StartAsync();
        var port = router.HttpsPort();
        var hello = await ClientHelloCapture.CaptureAsync("cut.example.com");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(hello.AsMemory(0, 60));
            tcp.Client.Shutdown(SocketShutdown.Send);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.Equal(0, await ReadToEndAsync(stream, timeout.Token));
        }

        await Eventually.TrueAsync(() => Task.FromResult(router.Service<PassthroughMetrics>().Count(PassthroughResult.Truncated) == 1),
            TimeSpan.FromSeconds(10), "the cut-short hello is counted");
        var (served, _) = await TlsProbe.HandshakeAsync(port, "other.example.com");
        Assert.Equal(router.Service<DefaultCertificate>().Certificate.Info.Thumbprint, served.Thumbprint);
    }

    [Fact]
    public async Task Handshake_FirstBackendRefuses_AnotherTriedAndDeadMarkShared()
    {
        var backendCertificate = _certificates.Leaf("retry.example.com");
        await using var backend = new TlsEchoBackend(backendCertificate, "live-app");
        using var refusedPort = new RefusedPort();
        var refused = refusedPort.Address("https");
        await AddPassthroughAsync("retry.example.com", refused, backend.Url);
        await using var router = await StartAsync("Entrance:LoadBalancing=round-robin");

        for (var i = 0; i < 3; i++)
        {
            var (certificate, echo) = await EchoAsync(router.HttpsPort(), "retry.example.com", "again " + i);
            Assert.Equal(backendCertificate.Thumbprint, certificate.Thumbprint);
            Assert.Equal("live-app: again " + i, echo);
        }

        var dead = await redis.Server.CliAsync("ZRANGE", "entrance:dead:retry.example.com", "0", "-1");
        Assert.Contains(refused, dead);
    }

    [Fact]
    public async Task Handshake_RouteConnectTimeout_SilentBackendGivenUpOnWithinIt()
    {
        var backendCertificate = _certificates.Leaf("slow.example.com");
        await using var backend = new TlsEchoBackend(backendCertificate, "live-app");
        using var silentPort = new UnansweredPort();
        var silent = silentPort.Address("https");
        await AddPassthroughAsync("slow.example.com", silent, backend.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:slow.example.com", "connect_timeout", "300ms");
        await using var router = await StartAsync("Entrance:LoadBalancing=round-robin", "Entrance:ConnectTimeout=00:00:30");
        await router.WaitForTrackingAsync(); // its registration refreshes the entry, and round-robin would start afresh

        // Round-robin tries the silent backend on one of the two: the route's 300 ms, not the global 30 s, ends that try.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 2; i++)
        {
            var (certificate, _) = await EchoAsync(router.HttpsPort(), "slow.example.com", "quick " + i);
            Assert.Equal(backendCertificate.Thumbprint, certificate.Thumbprint);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"{watch.Elapsed}");
        Assert.Contains(silent, await redis.Server.CliAsync("ZRANGE", "entrance:dead:slow.example.com", "0", "-1"));
    }

    [Fact]
    public async Task Handshake_HostWithoutPassthrough_TerminatedByRouter()
    {
        var routerCertificate = _certificates.Leaf("plain.example.com");
        await redis.Server.StoreAsync("plain.example.com", routerCertificate);
        await using var backend = new TlsEchoBackend(_certificates.Leaf("plain.example.com"), "never");
        await redis.Server.CliAsync("SADD", "entrance:backends:plain.example.com", backend.Url);
        await using var router = await StartAsync();

        var (served, _) = await TlsProbe.HandshakeAsync(router.HttpsPort(), "plain.example.com");

        Assert.Equal(routerCertificate.Thumbprint, served.Thumbprint);
        Assert.Equal(0, backend.Accepted);
    }

    [Fact]
    public async Task Close_PassthroughConnection_AccessLogLineWithBackendAndBytes()
    {
        await using var backend = new TlsEchoBackend(_certificates.Leaf("logged.example.com"), "logged-app");
        await AddPassthroughAsync("logged.example.com", backend.Url);
        var directory = Directory.CreateTempSubdirectory("entrance-passthrough-").FullName;
        var path = Path.Combine(directory, "access.log");
        await using (var router = await StartAsync("Entrance:AccessLog:Output=file", "Entrance:AccessLog:Format=json", "Entrance:AccessLog:Path=" + path))
        {
            await EchoAsync(router.HttpsPort(), "logged.example.com", "log me");
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).Contains("\"tcp\"", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(15), "a line per passthrough connection");
        }

        using var line = System.Text.Json.JsonDocument.Parse(File.ReadAllLines(path).Single(l => l.Contains("\"tcp\"", StringComparison.Ordinal)));
        var root = line.RootElement;
        Assert.Equal(backend.Url, root.GetProperty("backend").GetString());
        Assert.Equal("logged.example.com", root.GetProperty("sni").GetString());
        Assert.True(root.GetProperty("bytes_in").GetInt64() > 100); // the ClientHello at least
        Assert.True(root.GetProperty("bytes_out").GetInt64() > 100); // the backend's certificate at least
        Assert.StartsWith("127.0.0.1:", root.GetProperty("client").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Handshakes through the router (the ClientHello written in <paramref name="chunks"/> pieces, with pauses) and echoes a line.</summary>
    private static async Task<(X509Certificate2 Certificate, string? Echo)> EchoAsync(int port, string sni, string line, int chunks = 1)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        Stream stream = tcp.GetStream();
        if (chunks > 1)
        {
            stream = new ChunkedFirstWriteStream(stream, chunks);
        }

        await using var ssl = new SslStream(stream, false, static (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        }, timeout.Token);
        await using var writer = new StreamWriter(ssl) { AutoFlush = true };
        using var reader = new StreamReader(ssl);
        await writer.WriteLineAsync(line);
        var echo = await reader.ReadLineAsync(timeout.Token);
        return (new X509Certificate2(ssl.RemoteCertificate!), echo);
    }

    private static async Task<int> ReadToEndAsync(NetworkStream stream, CancellationToken cancellation)
    {
        var total = 0;
        var buffer = new byte[1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellation)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // A reset is a close too.
        }

        return total;
    }

    /// <summary>Writes the first buffer (the ClientHello) in pieces, flushed and paused apart, so it reaches the router in separate segments.</summary>
    private sealed class ChunkedFirstWriteStream(Stream inner, int chunks) : Stream
    {
        private bool _first = true;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_first)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                return;
            }

            _first = false;
            var size = Math.Max(1, buffer.Length / chunks);
            for (var offset = 0; offset < buffer.Length; offset += size)
            {
                await inner.WriteAsync(buffer.Slice(offset, Math.Min(size, buffer.Length - offset)), cancellationToken);
                await inner.FlushAsync(cancellationToken);
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
