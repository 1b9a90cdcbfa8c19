namespace Entrance.Router.Fleet;

/// <summary>
/// Work one router of the fleet does at a time (active health checks, cleanup of expired registrations), so N routers
/// never repeat it N times. Run only by the router holding the lease in <c>entrance:fleet-leader</c>; registered in DI
/// as <c>IFleetTask</c>, each implementation called about once a second while this router leads. A task decides itself
/// what is due and must not write anything when it cannot read Redis.
/// </summary>
public interface IFleetTask
{
    /// <summary>For logs and metrics.</summary>
    string Name { get; }

    /// <param name="stillLeading">Checked before each write: false once the lease may have passed to another router.</param>
    Task RunAsync(Func<bool> stillLeading, CancellationToken cancellationToken);
}
