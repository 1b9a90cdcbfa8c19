using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>Chooses one backend among the live ones of a route.</summary>
public interface ILoadBalancingPolicy
{
    /// <summary>The name used in configuration and in the <c>lb</c> field of <c>entrance:host:&lt;host&gt;</c>.</summary>
    string Name { get; }

    /// <summary>Picks one of <paramref name="live"/>, which is never empty.</summary>
    BackendState Pick(RouteEntry route, BackendState[] live);
}
