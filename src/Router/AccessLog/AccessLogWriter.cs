using System.Threading.Channels;
using Entrance.Router.Metrics;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;

namespace Entrance.Router.AccessLog;

/// <summary>
/// The access log: requests hand their entry to a bounded queue and move on; one background loop formats the lines and
/// writes them through a dedicated Serilog logger (console or file sink). A full queue drops lines (counted in
/// <c>entrance_access_log_dropped_total</c>) instead of slowing traffic down.
/// </summary>
public sealed class AccessLogWriter : BackgroundService
{
    private readonly Channel<AccessLogEntry> _queue;
    private readonly AccessLogOptions _options;
    private readonly RouterMetrics _metrics;
    private readonly Serilog.Core.Logger? _sink;

    public AccessLogWriter(IOptions<AccessLogOptions> options, RouterMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Math.Max(1, _options.QueueSize))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        _sink = _options.Enabled ? CreateSink(_options) : null;
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
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var entry))
            {
                var line = _options.Json ? AccessLogFormatter.Json(entry) : AccessLogFormatter.Text(entry);
                _sink.Write(LogEventLevel.Information, "{Line:l}", line);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _queue.Writer.TryComplete();
        _sink?.Dispose(); // flushes the file sink
        base.Dispose();
    }

    private static Serilog.Core.Logger CreateSink(AccessLogOptions options)
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
            configuration.WriteTo.Console(outputTemplate: template, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        return configuration.CreateLogger();
    }
}
