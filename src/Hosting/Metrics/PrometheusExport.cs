using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Entrance.Hosting.Metrics;

/// <summary>
/// <c>/metrics</c> from a prometheus-net registry of this host's own (several hosts in one test process each export only
/// their own metrics): Entrance's metrics, created on <see cref="Factory"/> with prometheus-net's own types (counter,
/// gauge, histogram); prometheus-net's <see cref="MeterAdapter"/> over the foreign meters chosen in
/// <c>Entrance:Metrics:Meters</c> (those created through this host's <see cref="IMeterFactory"/>, and process-wide ones
/// such as <c>System.Runtime</c>); and its process and GC collector (<see cref="DotNetStats"/>).
/// </summary>
/// <remarks>
/// MeterAdapter names a metric <c>&lt;meter name&gt;_&lt;instrument name&gt;</c>, lower-cased with dots as underscores;
/// it adds no <c>_total</c> and no unit suffix, exports counters as gauges (a measurement increments, an observable sets),
/// turns tags into labels (sorted by name) and drops a series nobody updated for <see cref="MetricsExpireAfter"/>.
/// Entrance's own metrics avoid all of that by not going through it.
/// </remarks>
public sealed class PrometheusExport : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The longest prometheus-net allows; observable instruments are re-read at every scrape and never expire.</summary>
    public static readonly TimeSpan MetricsExpireAfter = TimeSpan.FromDays(1);

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
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        // Exemplars only show in OpenMetrics, which /metrics does not serve; the default provider would read the trace
        // context (and allocate under an Activity) at every increment.
        Factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = Registry,
            MetricFactory = Factory, // without it the adapter writes to the default registry
            InstrumentFilterPredicate = instrument => exported.Contains(instrument.Meter.Name)
                                                      && (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meters)),
            ResolveHistogramBuckets = instrument => instrument.Unit == "s" ? MetricsExportOptions.DurationBuckets : Histogram.ExponentialBuckets(1, 2, 16),
            MetricsExpireAfter = MetricsExpireAfter,
        });
        DotNetStats.Register(Registry);
    }

    /// <summary>This host's registry: <see cref="CollectorRegistry.AddBeforeCollectCallback(Action)"/> sets values read from state at scrape time.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Creates Entrance's own metrics in <see cref="Registry"/> (never prometheus-net's static default registry).</summary>
    public IMetricFactory Factory { get; }

    /// <summary>Writes the current values in the text exposition format 0.0.4.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        await Registry.CollectAndExportAsTextAsync(response.Body, ExpositionFormat.PrometheusText, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The current values as text (tests, tools).</summary>
    public async Task<string> RenderAsync()
    {
        using var buffer = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(buffer, ExpositionFormat.PrometheusText).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Dispose() => _adapter.Dispose();
}
