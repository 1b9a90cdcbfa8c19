using Entrance.Core.Schema;

namespace Entrance.Router.HealthChecks;

/// <summary>A route's active health check: the path probed, how often, how long a probe may take, and the thresholds.</summary>
public sealed record HealthCheckSettings(string Path, TimeSpan Interval, TimeSpan Timeout, int Fails, int Passes, string? Problem)
{
    /// <summary>The check of a settings hash, or null without a (valid) <c>health_path</c>. A bad other field falls back to its default, named in <see cref="Problem"/>.</summary>
    public static HealthCheckSettings? From(IReadOnlyDictionary<string, string> settings)
    {
        if (!settings.TryGetValue(RedisKeys.HealthPathField, out var path) || BackendSettingRules.Problem(RedisKeys.HealthPathField, path) is not null)
        {
            return null;
        }

        var problems = new List<string>();
        var interval = Duration(settings, RedisKeys.HealthIntervalField, BackendSettingRules.DefaultHealthInterval, problems);
        var timeout = Duration(settings, RedisKeys.HealthTimeoutField, BackendSettingRules.DefaultHealthTimeout, problems);
        var fails = Count(settings, RedisKeys.HealthFailsField, BackendSettingRules.DefaultHealthFails, problems);
        var passes = Count(settings, RedisKeys.HealthPassesField, BackendSettingRules.DefaultHealthPasses, problems);

        // A probe never outlives its interval: the next one would overlap it.
        return new HealthCheckSettings(path, interval, timeout < interval ? timeout : interval, fails, passes,
            problems.Count == 0 ? null : string.Join("; ", problems) + " (defaults used)");
    }

    private static TimeSpan Duration(IReadOnlyDictionary<string, string> settings, string field, TimeSpan fallback, List<string> problems)
    {
        if (!settings.TryGetValue(field, out var raw))
        {
            return fallback;
        }

        if (BackendSettingRules.Problem(field, raw) is { } problem)
        {
            problems.Add(problem);
            return fallback;
        }

        SettingDuration.TryParse(raw, out var value);
        return value;
    }

    private static int Count(IReadOnlyDictionary<string, string> settings, string field, int fallback, List<string> problems)
    {
        if (!settings.TryGetValue(field, out var raw))
        {
            return fallback;
        }

        if (BackendSettingRules.TryCount(raw, out var count))
        {
            return count;
        }

        problems.Add(BackendSettingRules.Problem(field, raw)!);
        return fallback;
    }
}
