using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Entrance.Hosting.Metrics;

/// <summary>
/// <c>/metrics</c>: prometheus-net's <see cref="MeterAdapter"/> exports the chosen meters' instruments, plus its own
/// process and GC collector (<see cref="DotNetStats"/>), from a registry of this host's own — several hosts in one test
/// process each export only their own meters (those created through their <see cref="IMeterFactory"/>) and the
/// process-wide ones (<c>System.Runtime</c>).
/// </summary>
/// <remarks>
/// MeterAdapter names a metric <c>&lt;meter name&gt;_&lt;instrument name&gt;</c>, lower-cased with dots as underscores;
/// it adds no <c>_total</c> and no unit suffix, exports counters as gauges (a measurement increments, an observable sets),
/// turns tags into labels (sorted by name) and drops a series nobody updated for <see cref="MetricsExpireAfter"/>.
/// </remarks>
public sealed class PrometheusExport : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The longest prometheus-net allows; observable instruments are re-read at every scrape and never expire.</summary>
    public static readonly TimeSpan MetricsExpireAfter = TimeSpan.FromDays(1);

    private readonly CollectorRegistry _registry;
    private readonly IDisposable _adapter;

    static PrometheusExport()
    {
        // The default registry would otherwise start an adapter on every meter of the process (every request's
        // measurements) the first time anything touches it.
        Prometheus.Metrics.SuppressDefaultMetrics();
    }

    public PrometheusExport(IOptions<MetricsExportOptions> options, IMeterFactory meters)
    {
        var exported = options.Value.Exported;
        _registry = Prometheus.Metrics.NewCustomRegistry();
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = _registry,
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(_registry), // without it the adapter writes to the default registry
            InstrumentFilterPredicate = instrument => exported.Contains(instrument.Meter.Name)
                                                      && (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meters)),
            ResolveHistogramBuckets = instrument => instrument.Unit == "s" ? MetricsExportOptions.DurationBuckets : Histogram.ExponentialBuckets(1, 2, 16),
            MetricsExpireAfter = MetricsExpireAfter,
        });
        DotNetStats.Register(_registry);
    }

    /// <summary>Writes the current values in the text exposition format 0.0.4.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        await _registry.CollectAndExportAsTextAsync(response.Body, ExpositionFormat.PrometheusText, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The current values as text (tests, tools).</summary>
    public async Task<string> RenderAsync()
    {
        using var buffer = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(buffer, ExpositionFormat.PrometheusText).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Dispose() => _adapter.Dispose();
}
