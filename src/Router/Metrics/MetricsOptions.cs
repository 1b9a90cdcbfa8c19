namespace Entrance.Router.Metrics;

/// <summary>The <c>Entrance:Metrics</c> configuration section.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Entrance:Metrics";

    /// <summary>
    /// How many routes get their own <c>route</c> label on <c>entrance_route_requests_total</c> (the first ones seen;
    /// the rest count under <c>route="other"</c>). 0 (default) leaves that metric out: per-route series only where the
    /// operator bounds them.
    /// </summary>
    public int RouteLabels { get; set; }

    /// <summary>Upper bounds (seconds) of every duration histogram.</summary>
    public static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
}
