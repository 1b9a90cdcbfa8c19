using Entrance.Hosting.Metrics;
using Entrance.Router.Metrics;
using Prometheus;

namespace Entrance.Router.Tls;

/// <summary>
/// The HTTPS listener's metrics, in the router's prometheus-net registry like <see cref="RouterMetrics"/>: the children
/// a handshake moves are resolved once, and the cache's gauges are set just before each scrape.
/// </summary>
public sealed class TlsMetrics
{
    private static readonly string[] Results = ["ok", "rejected", "failed"];
    private static readonly string[] Sources = ["cache", "redis", "stale", "default"];
    public static readonly TimeSpan ExpiringSoon = TimeSpan.FromDays(14);

    private readonly Counter.Child[] _handshakes;
    private readonly Counter.Child[] _sources;
    private readonly LabelledChildren<string, Counter.Child> _problems;
    private readonly Counter _builds;

    public TlsMetrics(IServiceProvider services, PrometheusExport export, TimeProvider time)
    {
        var f = export.Factory;
        var handshakes = f.CreateCounter("entrance_tls_handshakes_total",
            "TLS handshakes on the HTTPS listeners by result: ok, rejected (RejectUnknownNames), failed (client gave up, protocol error).", ["result"]);
        _handshakes = Array.ConvertAll(Results, r => handshakes.WithLabels(r));
        var sources = f.CreateCounter("entrance_tls_certificate_selections_total",
            "Certificates chosen for handshakes by source: cache, redis (looked up now), stale (Redis down, last known), default.", ["source"]);
        _sources = Array.ConvertAll(Sources, s => sources.WithLabels(s));
        var problems = f.CreateCounter("entrance_tls_certificate_problems_total",
            "Certificates in Redis that could not be served (the default was), by reason: invalid (PEM, key mismatch), expired, not_covering.", ["reason"]);
        _problems = new(reason => problems.WithLabels(reason));
        _builds = f.CreateCounter("entrance_tls_certificate_builds_total",
            "Certificates from Redis parsed and given a TLS context: once per stored certificate and version, shared by every server name it covers.");
        var soonest = f.CreateGauge("entrance_tls_certificate_soonest_expiry_seconds", "Not-after (unix seconds) of the cached certificate that expires first; 0 when none is cached.");
        var expiring = f.CreateGauge("entrance_tls_certificates_expiring_soon", "Cached certificates that expire within 14 days.");
        var entries = f.CreateGauge("entrance_tls_certificate_cache_entries", "Server names held in the certificate cache (certificates and \"none\").");

        // Resolved late: the cache records into these metrics itself.
        export.Registry.AddBeforeCollectCallback(() =>
        {
            if (services.GetService<CertificateCache>() is { } cache)
            {
                soonest.Set(cache.SoonestExpiry());
                expiring.Set(cache.ExpiringBefore(time.GetUtcNow() + ExpiringSoon));
                entries.Set(cache.Count);
            }
        });
    }

    public long Handshakes(string result) => (long)_handshakes[Array.IndexOf(Results, result)].Value;

    public long Selections(CertificateSource source) => (long)_sources[(int)source].Value;

    public void HandshakeOk() => _handshakes[0].Inc();

    public void HandshakeRejected() => _handshakes[1].Inc();

    public void HandshakeFailed() => _handshakes[2].Inc();

    public void Selected(CertificateSource source) => _sources[(int)source].Inc();

    public long Builds => (long)_builds.Value;

    public void Built() => _builds.Inc();

    public void Problem(string reason) => _problems.Get(reason).Inc();
}
