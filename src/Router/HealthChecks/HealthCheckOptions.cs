namespace Entrance.Router.HealthChecks;

/// <summary>The <c>Entrance:HealthChecks</c> section: how the fleet leader finds and probes routes with a <c>health_path</c>.</summary>
public sealed class HealthCheckOptions
{
    public const string Section = "Entrance:HealthChecks";

    /// <summary>How often the leader scans <c>entrance:host:*</c> for routes with a <c>health_path</c> (a new one is probed within this).</summary>
    public TimeSpan DiscoveryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most probes in flight at once.</summary>
    public int MaxConcurrentProbes { get; set; } = 64;
}
