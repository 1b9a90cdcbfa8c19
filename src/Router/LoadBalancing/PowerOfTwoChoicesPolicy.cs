using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>Two random backends, the one with fewer requests in flight wins: near least-requests balance without a global scan.</summary>
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
