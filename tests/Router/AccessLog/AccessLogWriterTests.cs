using System.Net;
using Entrance.Router.AccessLog;
using Entrance.Router.Metrics;
using Entrance.Router.Proxy;
using Entrance.Router.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tests.AccessLog;

/// <summary>The writer on its own, writing to a real file: the queue bound, batching and the final drain.</summary>
public sealed class AccessLogWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entrance-writer-").FullName;
    private readonly MetricsHarness _harness = new();

    public void Dispose()
    {
        _harness.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static AccessLogEntry Entry(int i) =>
        new(new ProxyRequest { Host = "w.example.com", RequestId = "rid-" + i }, 1, 200, IPAddress.Loopback, "GET", "/n/" + i, null, "HTTP/1.1", null, null);

    private AccessLogWriter Writer(string path, int queueSize, string format = "text") => new(Options.Create(new AccessLogOptions
    {
        Output = "file",
        Path = path,
        Format = format,
        QueueSize = queueSize,
        FlushInterval = TimeSpan.FromHours(1), // only the final drain writes: the test controls when
    }), _harness.Metrics);

    [Fact]
    public async Task Write_QueueFull_DropsBeyondBoundAndCountsThem()
    {
        var path = Path.Combine(_dir, "bounded.log");
        using var writer = Writer(path, queueSize: 100);
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 130; i++)
        {
            writer.Write(Entry(i));
        }

        await writer.StoppedAsync(CancellationToken.None);

        var lines = File.ReadAllLines(path);
        Assert.Equal(100, lines.Length);
        Assert.Contains("\"GET /n/0 HTTP/1.1\"", lines[0]);
        Assert.Contains("\"GET /n/99 HTTP/1.1\"", lines[99]);
        Assert.Equal(30, (await _harness.ScrapeAsync()).Value("entrance_access_log_dropped_total"));
    }

    [Fact]
    public async Task Write_OutputFails_EveryLostLineCountedAndWriterCarriesOn()
    {
        using var writer = Writer("/dev/full", queueSize: 100); // every write fails: no space left on device
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 12; i++)
        {
            writer.Write(Entry(i));
        }

        await writer.StoppedAsync(CancellationToken.None);

        Assert.Equal(12, (await _harness.ScrapeAsync()).Value("entrance_access_log_dropped_total"));
    }

    [Fact]
    public void Constructor_PathNotWritable_ConfigurationErrorNamingThePath()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Writer("/proc/entrance-no-such-dir/access.log", queueSize: 1));

        Assert.Contains("Entrance:AccessLog:Path: cannot open '/proc/entrance-no-such-dir/access.log'", error.Message);
    }

    [Fact]
    public async Task StoppedAsync_ManyBatchesQueued_EveryLineWrittenWhole()
    {
        var path = Path.Combine(_dir, "json.log");
        using var writer = Writer(path, queueSize: 10_000, format: "json");
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 5_000; i++) // well over one 64 KB batch
        {
            writer.Write(Entry(i));
        }

        await writer.StoppedAsync(CancellationToken.None);

        var lines = File.ReadAllLines(path);
        Assert.Equal(5_000, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = System.Text.Json.JsonDocument.Parse(lines[i]);
            Assert.Equal("rid-" + i, json.RootElement.GetProperty("request_id").GetString());
        }
    }
}
