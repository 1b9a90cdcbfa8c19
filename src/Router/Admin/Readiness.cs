using Entrance.Hosting.Admin;
using Entrance.Router.Routing;

namespace Entrance.Router.Admin;

/// <summary>Whether this router should get traffic now, and why, for <c>/readyz</c>.</summary>
public sealed class Readiness(RouteCache cache, IHostApplicationLifetime lifetime) : IReadinessCheck
{
    public ReadinessState Check()
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return new ReadinessState(false, "starting: the proxy listener is not open yet");
        }

        // Load balancers should stop sending new connections while in-flight requests finish.
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return new ReadinessState(false, "draining: shutting down, finishing in-flight requests");
        }

        if (!cache.StoreCircuitOpen)
        {
            return new ReadinessState(true, "ready: redis reachable");
        }

        var cached = cache.Count;
        return cached > 0
            ? new ReadinessState(true, $"ready: redis unreachable, serving {cached} cached host(s) from memory")
            : new ReadinessState(false, "not ready: redis unreachable and no route cached");
    }
}
