using Entrance.Hosting.Metrics;
using Entrance.Router.Metrics;
using Prometheus;

namespace Entrance.Router.Fleet;

/// <summary>The fleet work's metrics, in the router's prometheus-net registry: leadership, health probes, outlier ejections.</summary>
public sealed class FleetMetrics
{
    private readonly LabelledChildren<string, Counter.Child> _probes;
    private readonly LabelledChildren<string, Counter.Child> _healthMarks;
    private readonly LabelledChildren<string, Counter.Child> _ejections;

    public FleetMetrics(IServiceProvider services, PrometheusExport export)
    {
        var f = export.Factory;
        var leader = f.CreateGauge("entrance_fleet_leader", "1 while this router holds entrance:fleet-leader and runs the fleet's work (health checks, cleanup), else 0.");
        var probes = f.CreateCounter("entrance_health_probes_total", "Active health probes this router sent (only the fleet leader probes), by result: healthy, unhealthy.", ["result"]);
        _probes = new(r => probes.WithLabels(r));
        var marks = f.CreateCounter("entrance_health_marks_total", "Dead marks the health checker wrote (marked) or cleared before their expiry (cleared).", ["action"]);
        _healthMarks = new(a => marks.WithLabels(a));
        var ejections = f.CreateCounter("entrance_outlier_ejections_total", "Backends reaching Entrance:Outliers:ConsecutiveGatewayFailures on this router: ejected, or capped (kept by MaxEjectionPercent).", ["result"]);
        _ejections = new(r => ejections.WithLabels(r));
        export.Registry.AddBeforeCollectCallback(() =>
            leader.Set(services.GetService<FleetRunner>() is { IsLeader: true } ? 1 : 0));
    }

    public void Probe(bool healthy) => _probes.Get(healthy ? "healthy" : "unhealthy").Inc();

    public double Probes(bool healthy) => _probes.Get(healthy ? "healthy" : "unhealthy").Value;

    public void HealthMark(bool marked) => _healthMarks.Get(marked ? "marked" : "cleared").Inc();

    public void Ejection(bool capped) => _ejections.Get(capped ? "capped" : "ejected").Inc();
}
