using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>Each live backend in turn, per route.</summary>
public sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "round-robin";

    public string Name => PolicyName;

    public BackendState Pick(RouteEntry route, BackendState[] live) =>
        live[(int)((uint)route.NextRoundRobin() % (uint)live.Length)];
}
