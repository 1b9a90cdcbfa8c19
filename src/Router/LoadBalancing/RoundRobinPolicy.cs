using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>Each live backend in turn, per route; by nginx's smooth weighted round-robin when the route sets weights.</summary>
public sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "round-robin";

    public string Name => PolicyName;

    public BackendState Pick(RouteEntry route, BackendState[] live) =>
        route.Weighted ? route.SmoothPick(live) : live[(int)((uint)route.NextRoundRobin() % (uint)live.Length)];
}
