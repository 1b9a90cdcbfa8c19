using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>hipache's policy: any live backend, uniformly; in proportion to the weights when a route sets them.</summary>
public sealed class RandomPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "random";

    public string Name => PolicyName;

    public BackendState Pick(RouteEntry route, BackendState[] live) =>
        route.Weighted ? live[WeightedChoice.Index(live)] : live[Random.Shared.Next(live.Length)];
}
