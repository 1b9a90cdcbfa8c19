using System.Globalization;
using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// The parts of resolve.lua's answer added for issue 15: weights, registration expiry and a host's path routes.
/// Bad values written by hand are ignored (weight 1, no expiry) and named in <see cref="RouteRecord.Problems"/>.
/// </summary>
internal static class ResolveExtras
{
    /// <summary>Host settings a path route inherits unless it sets them itself; its own match settings are never inherited.</summary>
    private static readonly string[] NotInherited = [RedisKeys.StripPrefixField, RedisKeys.PathExactField];

    /// <summary>Adds weights, expiry and problems to a record whose backends are final.</summary>
    public static RouteRecord WithExtras(RouteRecord record, string[] weightsFlat, string[] expiryFlat, List<string>? problems = null)
    {
        problems ??= [];
        var weights = Weights(record.Backends, weightsFlat, problems);
        var expiry = Expiry(record.Backends, expiryFlat, problems);
        return record with { Weights = weights, ExpiresInMs = expiry, Problems = problems.Count == 0 ? [] : problems };
    }

    /// <summary>The path routes of a host route: <c>{ prefix, urls, settings, dead, weights, expiry }</c> each, longest prefix first.</summary>
    public static RouteRecord[] Paths(RedisResult[] raw, RouteRecord host, RedisKeys keys, List<string> hostProblems)
    {
        var paths = new List<RouteRecord>(raw.Length);
        foreach (var item in raw)
        {
            var parts = (RedisResult[])item!;
            var prefix = (string)parts[0]!;
            var problems = new List<string>();
            if (!Hosts.RoutePath.IsValidPrefix(prefix, out var error))
            {
                hostProblems.Add($"path {prefix} ignored: {error}");
                continue;
            }

            var urls = (string[])parts[1]!;
            Array.Sort(urls, StringComparer.Ordinal);
            var own = RedisRouteStore.Settings((string[])parts[2]!);
            var settings = new Dictionary<string, string>(host.Settings, StringComparer.Ordinal);
            foreach (var field in NotInherited)
            {
                settings.Remove(field);
            }

            foreach (var (field, value) in own)
            {
                settings[field] = value;
            }

            var name = host.RouteName + prefix;
            var record = new RouteRecord(name, keys.Backends(name), RouteSchema.Native, urls, settings,
                RedisRouteStore.NativeDead(urls, (string[])parts[3]!)) { PathPrefix = prefix };
            paths.Add(WithExtras(record, (string[])parts[4]!, (string[])parts[5]!, problems));
        }

        paths.Sort(static (a, b) => b.PathPrefix!.Length.CompareTo(a.PathPrefix!.Length));
        return [.. paths];
    }

    private static int[] Weights(IReadOnlyList<string> backends, string[] flat, List<string> problems)
    {
        if (flat.Length == 0)
        {
            return [];
        }

        var weights = new int[backends.Count];
        Array.Fill(weights, 1);
        var any = false;
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            var url = flat[i];
            var index = IndexOf(backends, url);
            if (index < 0)
            {
                continue; // a weight left behind for a removed backend: harmless
            }

            if (int.TryParse(flat[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight <= RedisKeys.MaxWeight)
            {
                weights[index] = weight;
                any |= weight != 1;
            }
            else
            {
                problems.Add($"weight of {url} is \"{flat[i + 1]}\", not an integer 0..{RedisKeys.MaxWeight}; using 1");
            }
        }

        return any ? weights : [];
    }

    private static long[] Expiry(IReadOnlyList<string> backends, string[] flat, List<string> problems)
    {
        if (flat.Length == 0)
        {
            return [];
        }

        var left = new long[backends.Count];
        Array.Fill(left, long.MaxValue);
        var any = false;
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            var index = IndexOf(backends, flat[i]);
            if (index < 0)
            {
                continue;
            }

            if (flat[i + 1] == "inf" || !double.TryParse(flat[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                if (flat[i + 1] != "inf")
                {
                    problems.Add($"expiry of {flat[i]} is \"{flat[i + 1]}\"; treated as never expiring");
                }

                continue;
            }

            left[index] = (long)Math.Clamp(ms, long.MinValue / 2, long.MaxValue / 2);
            any = true;
        }

        return any ? left : [];
    }

    private static int IndexOf(IReadOnlyList<string> backends, string url)
    {
        for (var i = 0; i < backends.Count; i++)
        {
            if (string.Equals(backends[i], url, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
