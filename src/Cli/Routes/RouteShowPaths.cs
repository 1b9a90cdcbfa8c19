using Entrance.Core.Store;

namespace Entrance.Cli.Routes;

/// <summary>What <c>route show</c> says about weights, registration TTLs and a host's path routes (issue 15).</summary>
internal static class RouteShowPaths
{
    public static int WeightOf(RouteRecord record, int i) => record.Weights.Count > 0 ? record.Weights[i] : 1;

    public static long? ExpiresInMs(RouteRecord record, int i) =>
        record.ExpiresInMs.Count > 0 && record.ExpiresInMs[i] != long.MaxValue ? record.ExpiresInMs[i] : null;

    /// <summary>"  weight 10, expires in 12.3s" (empty for a plain backend).</summary>
    public static string Extras(RouteRecord record, int i)
    {
        var parts = new List<string>(2);
        if (WeightOf(record, i) != 1)
        {
            parts.Add(WeightOf(record, i) == 0 ? "weight 0 (drained)" : $"weight {WeightOf(record, i)}");
        }

        if (ExpiresInMs(record, i) is { } left)
        {
            parts.Add(left <= 0 ? "EXPIRED (never picked; removed by the fleet's cleanup)" : $"expires in {left / 1000.0:0.#}s");
        }

        return parts.Count == 0 ? string.Empty : "  " + string.Join(", ", parts);
    }

    public static object[] Json(RouteRecord record) =>
        record.Paths.Select(p => (object)new
        {
            prefix = p.PathPrefix,
            routeName = p.RouteName,
            stripPrefix = p.StripPrefix,
            exact = p.PathExact,
            settings = p.Settings,
            backends = p.Backends.Select((url, i) => new
            {
                url,
                dead = p.Dead.Any(d => d.Url == url),
                weight = WeightOf(p, i),
                expiresInMs = ExpiresInMs(p, i),
            }).ToArray(),
            problems = p.Problems,
        }).ToArray();

    public static void AddRows(List<string[]> rows, RouteRecord record, DateTimeOffset now)
    {
        foreach (var problem in record.Problems)
        {
            rows.Add(["ignored", problem]);
        }

        foreach (var path in record.Paths)
        {
            var how = (path.PathExact ? "exact" : "prefix") + (path.StripPrefix ? ", strip_prefix" : string.Empty);
            rows.Add(["path", $"{path.PathPrefix} ({how}) -> route {path.RouteName}"]);
            for (var i = 0; i < path.Backends.Count; i++)
            {
                var url = path.Backends[i];
                var dead = path.Dead.Any(d => d.Url == url) ? "  DEAD" : string.Empty;
                rows.Add([$"  {path.PathPrefix} backend", url + dead + Extras(path, i)]);
            }

            foreach (var problem in path.Problems)
            {
                rows.Add([$"  {path.PathPrefix} ignored", problem]);
            }
        }
    }
}
