namespace Entrance.Router.Metrics;

/// <summary>The router's part of the <c>Entrance:Metrics</c> section (which meters are exported: <see cref="Entrance.Hosting.Metrics.MetricsExportOptions"/>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Entrance:Metrics";

    /// <summary>
    /// How many routes get their own <c>route</c> label on <c>entrance_route_requests_total</c> (the first ones seen;
    /// the rest count under <c>route="other"</c>). 0 (default) leaves that metric out: per-route series only where the
    /// operator bounds them.
    /// </summary>
    public int RouteLabels { get; set; }
}
