using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>
/// Two random backends, the one with fewer requests in flight wins: near least-requests balance without a global scan.
/// With weights, the two are drawn in proportion to their weights and the one with fewer in flight per unit of weight
/// wins (ties to the first drawn), so idle traffic splits by weight and loaded traffic leans the same way.
/// </summary>
public sealed class PowerOfTwoChoicesPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "p2c";

    public string Name => PolicyName;

    public BackendState Pick(RouteEntry route, BackendState[] live)
    {
        if (live.Length == 1)
        {
            return live[0];
        }

        if (route.Weighted)
        {
            var i = WeightedChoice.Index(live);
            var x = live[i];
            var y = live[WeightedChoice.Index(live, skip: i)];
            // y wins when in-flight/weight is lower: y.InFlight / y.Weight < x.InFlight / x.Weight, cross-multiplied.
            return (long)y.InFlight * Math.Max(x.Weight, 1) < (long)x.InFlight * Math.Max(y.Weight, 1) ? y : x;
        }

        var first = Random.Shared.Next(live.Length);
        var second = Random.Shared.Next(live.Length - 1);
        if (second >= first)
        {
            second++;
        }

        var a = live[first];
        var b = live[second];
        return b.InFlight < a.InFlight ? b : a;
    }
}
