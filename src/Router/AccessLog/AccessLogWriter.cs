using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Entrance.Router.Metrics;
using Microsoft.Extensions.Options;

namespace Entrance.Router.AccessLog;

/// <summary>
/// The access log: requests put their entry on a bounded queue and move on; a background loop wakes every
/// <see cref="AccessLogOptions.FlushInterval"/>, formats what is queued and writes it in one go. Nothing on the request
/// path formats, waits, or wakes a thread: at tens of thousands of requests a second a wake-up or a system call per line
/// costs more than the proxying around it. A full queue drops lines (counted in <c>entrance_access_log_dropped_total</c>)
/// instead of slowing traffic down. The queue is closed only once every other service has stopped, so requests that
/// finish while the router drains are logged too.
/// </summary>
public sealed class AccessLogWriter : BackgroundService, IHostedLifecycleService
{
    private const int BatchBytes = 64 * 1024;

    private readonly ConcurrentQueue<AccessLogEntry> _queue = new();
    private readonly AccessLogOptions _options;
    private readonly RouterMetrics _metrics;
    private readonly AccessLogOutput? _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly ArrayBufferWriter<byte> _batch = new(BatchBytes * 2);
    private readonly StringBuilder _line = new(512);
    private Utf8JsonWriter? _json;
    private int _queued;
    private int _batchLines;

    public AccessLogWriter(IOptions<AccessLogOptions> options, RouterMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
        if (_options.Enabled)
        {
            try
            {
                _output = AccessLogOutput.Create(_options);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A path the router cannot write is a setting to fix, said at start, not a crash.
                throw new OptionsValidationException(AccessLogOptions.Section, typeof(AccessLogOptions),
                    [$"{AccessLogOptions.Section}:Path: cannot open '{_options.Path}' for appending: {ex.Message}"]);
            }
        }
    }

    public bool Enabled => _output is not null;

    /// <summary>Queues one line; never waits.</summary>
    public void Write(in AccessLogEntry entry)
    {
        if (_output is null)
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > _options.QueueSize)
        {
            Interlocked.Decrement(ref _queued);
            _metrics.AccessLogDropped();
            return;
        }

        _queue.Enqueue(entry);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_output is null)
        {
            return;
        }

        // Not stoppingToken: the loop ends once the queue is closed, after the proxy drained, so the last requests are logged too.
        using var timer = new PeriodicTimer(_options.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token).ConfigureAwait(false))
            {
                WriteQueued();
            }
        }
        catch (OperationCanceledException)
        {
        }

        WriteQueued();
    }

    /// <summary>Formats and writes every queued line, a write per <see cref="BatchBytes"/>.</summary>
    private void WriteQueued()
    {
        while (_queue.TryDequeue(out var entry))
        {
            Interlocked.Decrement(ref _queued);
            Format(entry);
            if (_batch.WrittenCount >= BatchBytes)
            {
                Flush();
            }
        }

        Flush();
    }

    private void Format(in AccessLogEntry entry)
    {
        if (_options.Json)
        {
            var json = _json ??= new Utf8JsonWriter(_batch);
            AccessLogFormatter.Json(entry, json);
            json.Flush();
            json.Reset(_batch);
        }
        else
        {
            _line.Clear();
            AccessLogFormatter.Text(entry, _line);
            foreach (var chunk in _line.GetChunks())
            {
                var span = _batch.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
                _batch.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
            }
        }

        _batch.GetSpan(1)[0] = (byte)'\n';
        _batch.Advance(1);
        _batchLines++;
    }

    private void Flush()
    {
        if (_batch.WrittenCount == 0)
        {
            return;
        }

        try
        {
            _output!.Write(_batch.WrittenSpan);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A full disk or a closed pipe loses these lines (counted); the next batch tries again, traffic goes on.
            _metrics.AccessLogDropped(_batchLines);
        }
        finally
        {
            _batch.ResetWrittenCount();
            _batchLines = 0;
        }
    }

    /// <summary>Not yet: the proxy may still be draining requests whose lines are to come.</summary>
    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every other service has stopped (the proxy drained): write what is queued, then end.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        try
        {
            if (ExecuteTask is { } writing)
            {
                await writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout is up: the lines still queued are lost.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _closed.Cancel();
        _json?.Dispose();
        _output?.Dispose();
        base.Dispose(); // _closed stays undisposed: DI disposes this twice (as itself and as a hosted service)
    }
}
