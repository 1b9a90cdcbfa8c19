namespace Entrance.Router.Fleet;

/// <summary>The <c>Entrance:Fleet</c> section: the lease one router holds to run fleet-wide work (<see cref="IFleetTask"/>).</summary>
public sealed class FleetOptions
{
    public const string Section = "Entrance:Fleet";

    /// <summary>Whether this router takes part in the election; false: it never leads (and never runs health checks or cleanup).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long the lease lasts without renewal: a leader that stops renewing (crash, partition) is replaced after
    /// at most this long. Renewed every <see cref="Tick"/>.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the lease is renewed (or tried for) and the tasks run.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(1);
}
