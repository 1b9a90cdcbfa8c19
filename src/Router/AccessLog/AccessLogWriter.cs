using System.Threading.Channels;
using Entrance.Router.Metrics;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;

namespace Entrance.Router.AccessLog;

/// <summary>
/// The access log: requests hand their entry to a bounded queue and move on; one background loop formats the lines and
/// writes them through a dedicated Serilog logger (console or file sink). A full queue drops lines (counted in
/// <c>entrance_access_log_dropped_total</c>) instead of slowing traffic down. The queue is closed only once every
/// other service has stopped, so requests that finish while the router drains are logged too.
/// </summary>
public sealed class AccessLogWriter : BackgroundService, IHostedLifecycleService
{
    private readonly Channel<AccessLogEntry> _queue;
    private readonly AccessLogOptions _options;
    private readonly RouterMetrics _metrics;
    private readonly Serilog.Core.Logger? _sink;
    private readonly BufferedConsoleSink? _console;

    public AccessLogWriter(IOptions<AccessLogOptions> options, RouterMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Math.Max(1, _options.QueueSize))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        if (_options.Enabled)
        {
            _console = string.Equals(_options.Output, "file", StringComparison.OrdinalIgnoreCase) ? null : new BufferedConsoleSink();
            _sink = CreateSink(_options, _console);
        }
    }

    public bool Enabled => _sink is not null;

    /// <summary>Queues one line; never waits.</summary>
    public void Write(in AccessLogEntry entry)
    {
        if (_sink is not null && !_queue.Writer.TryWrite(entry))
        {
            _metrics.AccessLogDropped();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_sink is null)
        {
            return;
        }

        // Not stoppingToken: on shutdown the queue is completed and drained, so the last requests are logged too.
        var reader = _queue.Reader;
        while (await WaitForLinesAsync(reader).ConfigureAwait(false))
        {
            while (reader.TryRead(out var entry))
            {
                var line = _options.Json ? AccessLogFormatter.Json(entry) : AccessLogFormatter.Text(entry);
                _sink.Write(LogEventLevel.Information, "{Line:l}", line);
            }
        }

        _console?.Flush();
    }

    /// <summary>
    /// Waits for queued lines. Console lines collected meanwhile leave once the oldest is <see cref="BufferedConsoleSink.MaxDelay"/>
    /// old (or a chunk is full): a write per batch, not per line, however the traffic trickles in.
    /// </summary>
    private async ValueTask<bool> WaitForLinesAsync(ChannelReader<AccessLogEntry> reader)
    {
        while (_console is { } console && console.PendingSince is { } since)
        {
            var left = console.MaxDelay - System.Diagnostics.Stopwatch.GetElapsedTime(since);
            if (left <= TimeSpan.Zero)
            {
                console.Flush();
                break;
            }

            using var timeout = new CancellationTokenSource(left);
            try
            {
                return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                console.Flush();
            }
        }

        return await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Not yet: the proxy may still be draining requests whose lines are to come.</summary>
    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every other service has stopped (the proxy drained): write what is queued, then end.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            if (ExecuteTask is { } writing)
            {
                await writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout is up: the lines still queued are lost, the rest is flushed on dispose.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _queue.Writer.TryComplete();
        _sink?.Dispose(); // flushes the file sink
        base.Dispose();
    }

    private static Serilog.Core.Logger CreateSink(AccessLogOptions options, BufferedConsoleSink? console)
    {
        const string template = "{Message:l}{NewLine}";
        var configuration = new LoggerConfiguration().MinimumLevel.Information();
        if (string.Equals(options.Output, "file", StringComparison.OrdinalIgnoreCase))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(options.Path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            configuration.WriteTo.File(options.Path, outputTemplate: template, buffered: true, flushToDiskInterval: TimeSpan.FromSeconds(1),
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            configuration.WriteTo.Sink(console!);
        }

        return configuration.CreateLogger();
    }
}
