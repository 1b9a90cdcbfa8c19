using System.Diagnostics.Metrics;
using Entrance.Router.Metrics;

namespace Entrance.Router.Tls;

/// <summary>
/// The HTTPS listener's instruments, on the router's <c>Entrance</c> meter (same pattern as RouterMetrics: what every
/// handshake moves is counted with interlocked adds read at scrape time; rarer events use ordinary counters).
/// </summary>
public sealed class TlsMetrics : IDisposable
{
    private static readonly string[] Results = ["ok", "rejected", "failed"];
    private static readonly string[] Sources = ["cache", "redis", "stale", "default"];
    public static readonly TimeSpan ExpiringSoon = TimeSpan.FromDays(14);

    private readonly long[] _handshakes = new long[Results.Length];
    private readonly long[] _sources = new long[Sources.Length];
    private readonly Counter<long> _problems;

    public TlsMetrics(IServiceProvider services, IMeterFactory meters, TimeProvider time)
    {
        Meter = meters.Create(new MeterOptions(RouterMetrics.MeterName));
        Meter.CreateObservableCounter("tls_handshakes_total", () => Observe(_handshakes, Results, "result"),
            description: "TLS handshakes on the HTTPS listeners by result: ok, rejected (RejectUnknownNames), failed (client gave up, protocol error).");
        Meter.CreateObservableCounter("tls_certificate_selections_total", () => Observe(_sources, Sources, "source"),
            description: "Certificates chosen for handshakes by source: cache, redis (looked up now), stale (Redis down, last known), default.");
        _problems = Meter.CreateCounter<long>("tls_certificate_problems_total",
            description: "Certificates in Redis that could not be served (the default was), by reason: invalid (PEM, key mismatch), expired, not_covering.");
        Meter.CreateObservableGauge("tls_certificate_soonest_expiry_seconds",
            () => services.GetRequiredService<CertificateCache>().SoonestExpiry(),
            description: "Not-after (unix seconds) of the cached certificate that expires first; 0 when none is cached.");
        Meter.CreateObservableGauge("tls_certificates_expiring_soon",
            () => services.GetRequiredService<CertificateCache>().ExpiringBefore(time.GetUtcNow() + ExpiringSoon),
            description: "Cached certificates that expire within 14 days.");
        Meter.CreateObservableGauge("tls_certificate_cache_entries", () => services.GetRequiredService<CertificateCache>().Count,
            description: "Server names held in the certificate cache (certificates and \"none\").");
    }

    public Meter Meter { get; }

    public long Handshakes(string result) => Volatile.Read(ref _handshakes[Array.IndexOf(Results, result)]);

    public long Selections(CertificateSource source) => Volatile.Read(ref _sources[(int)source]);

    public void HandshakeOk() => Interlocked.Increment(ref _handshakes[0]);

    public void HandshakeRejected() => Interlocked.Increment(ref _handshakes[1]);

    public void HandshakeFailed() => Interlocked.Increment(ref _handshakes[2]);

    public void Selected(CertificateSource source) => Interlocked.Increment(ref _sources[(int)source]);

    public void Problem(string reason) => _problems.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static IEnumerable<Measurement<long>> Observe(long[] cells, string[] labels, string tag)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref cells[i]), new KeyValuePair<string, object?>(tag, labels[i]));
        }
    }

    public void Dispose() => Meter.Dispose();
}
