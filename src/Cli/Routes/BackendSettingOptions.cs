using System.CommandLine;
using Entrance.Cli.Input;
using Entrance.Core.Schema;

namespace Entrance.Cli.Routes;

/// <summary>
/// <c>route set</c>'s sticky-session and health-check options: one option per settings field, checked by
/// <see cref="BackendSettingRules"/> before anything is written; <c>off</c> or <c>default</c> deletes the field.
/// </summary>
internal sealed class BackendSettingOptions
{
    private readonly (Option<string?> Option, string Field)[] _options =
    [
        (new("--sticky") { Description = "Sticky sessions: 1 (cookie entrance_sticky), a cookie name, or off", HelpName = "1|cookie|off" }, RedisKeys.StickyField),
        (new("--sticky-on") { Description = "Pin only once the app sets this session cookie (gorouter's way), e.g. JSESSIONID; off to pin at once", HelpName = "cookie|off" }, RedisKeys.StickyOnField),
        (new("--health-path") { Description = "Active health check: the path probed on each backend (2xx/3xx healthy), or off", HelpName = "path|off" }, RedisKeys.HealthPathField),
        (new("--health-interval") { Description = "Time between probes (default 5s), e.g. 5s, 500ms", HelpName = "duration" }, RedisKeys.HealthIntervalField),
        (new("--health-timeout") { Description = "Longest a probe may take (default 2s, at most the interval)", HelpName = "duration" }, RedisKeys.HealthTimeoutField),
        (new("--health-fails") { Description = "Failed probes in a row that mark a backend dead (default 3)", HelpName = "n" }, RedisKeys.HealthFailsField),
        (new("--health-passes") { Description = "Passed probes in a row that clear its dead mark (default 2)", HelpName = "n" }, RedisKeys.HealthPassesField),
    ];

    public void AddTo(Command command)
    {
        foreach (var (option, _) in _options)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The fields given, field → value (empty: delete); throws <see cref="CliInputException"/> listing every bad value.</summary>
    public Dictionary<string, string> Read(ParseResult parse)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (option, field) in _options)
        {
            if (parse.GetValue(option) is not { } raw)
            {
                continue;
            }

            var value = raw is "off" or "default" ? string.Empty : raw;
            if (value.Length > 0 && BackendSettingRules.Problem(field, value) is { } problem)
            {
                errors.Add(problem);
            }

            fields[field] = value;
        }

        return errors.Count > 0 ? throw new CliInputException(errors) : fields;
    }
}
