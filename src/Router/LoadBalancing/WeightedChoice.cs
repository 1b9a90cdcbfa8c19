using Entrance.Router.Routing;

namespace Entrance.Router.LoadBalancing;

/// <summary>A random backend in proportion to its weight (uniform when every weight is 0, the all-drained case).</summary>
internal static class WeightedChoice
{
    public static int Index(BackendState[] candidates, int skip = -1)
    {
        long total = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (i != skip)
            {
                total += candidates[i].Weight;
            }
        }

        if (total <= 0)
        {
            var n = Random.Shared.Next(skip < 0 ? candidates.Length : candidates.Length - 1);
            return skip >= 0 && n >= skip ? n + 1 : n;
        }

        var r = Random.Shared.NextInt64(total);
        for (var i = 0; i < candidates.Length; i++)
        {
            if (i == skip)
            {
                continue;
            }

            r -= candidates[i].Weight;
            if (r < 0)
            {
                return i;
            }
        }

        return candidates.Length - 1 == skip ? candidates.Length - 2 : candidates.Length - 1;
    }
}
