namespace Entrance.Hosting.Metrics;

/// <summary>
/// Which foreign <c>System.Diagnostics.Metrics</c> meters <c>/metrics</c> exports through MeterAdapter (the
/// <c>Entrance:Metrics</c> section); Entrance's own metrics are prometheus-net metrics and always exported.
/// </summary>
public sealed class MetricsExportOptions
{
    public const string Section = "Entrance:Metrics";

    /// <summary>
    /// Exported when <see cref="Meters"/> is not set: the runtime's (GC, thread pool, JIT, CPU) and Kestrel's
    /// (connections, not requests). Per-request meters such as <c>Microsoft.AspNetCore.Hosting</c> and <c>System.Net.Http</c> cost every request a measurement, so they are left out unless asked for.
    /// </summary>
    public static readonly string[] DefaultMeters = ["System.Runtime", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>
    /// Upper bounds (seconds) of Entrance's <c>_seconds</c> histograms and of every exported instrument whose unit is
    /// seconds; other instruments get powers of two.
    /// </summary>
    public static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>
    /// Meter names to export; when set it replaces <see cref="DefaultMeters"/> (the configuration binder would append to
    /// an initialised list, so the default is applied in <see cref="Exported"/> instead).
    /// </summary>
    public List<string> Meters { get; set; } = [];

    public IReadOnlySet<string> Exported => new HashSet<string>(Meters.Count > 0 ? Meters : DefaultMeters, StringComparer.Ordinal);
}
