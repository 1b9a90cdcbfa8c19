using System.CommandLine;
using Entrance.Cli.Input;
using Entrance.Core.Schema;

namespace Entrance.Cli.Routes;

/// <summary>
/// <c>route set</c>'s per-route forwarding options (<c>--connect-timeout</c>, <c>--backend-timeout</c>, <c>--max-body</c>,
/// <c>--preserve-host</c>): validated before anything is written (exit 2); <c>default</c> removes the field.
/// </summary>
internal sealed class ForwardingOptions
{
    private readonly (Option<string?> Option, string Field)[] _options =
    [
        (new Option<string?>("--connect-timeout") { Description = "How long connecting to a backend may take (e.g. 2s, 500ms), or 'default'", HelpName = "duration" }, RedisKeys.ConnectTimeoutField),
        (new Option<string?>("--backend-timeout") { Description = "How long a backend may stay silent before 504 (e.g. 30s, 5m), or 'default'", HelpName = "duration" }, RedisKeys.BackendTimeoutField),
        (new Option<string?>("--max-body") { Description = "Largest request body (bytes, or 512k, 10m, 1g; 0 for no limit) before 413, or 'default'", HelpName = "size" }, RedisKeys.MaxBodyField),
        (new Option<string?>("--preserve-host") { Description = "1: backends see the client's Host (the default); 0: their own host:port; or 'default'", HelpName = "0|1" }, RedisKeys.PreserveHostField),
    ];

    public void AddTo(Command command)
    {
        foreach (var (option, _) in _options)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The fields given (an empty value removes one); throws <see cref="CliInputException"/> for a bad value.</summary>
    public Dictionary<string, string> Read(ParseResult parse)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (option, field) in _options)
        {
            if (parse.GetValue(option) is not { } value)
            {
                continue;
            }

            value = value.Trim();
            if (value == "default")
            {
                settings[field] = string.Empty;
            }
            else if (ForwardingSettings.Check(field, value) is { } problem)
            {
                errors.Add($"{option.Name}: {problem}");
            }
            else
            {
                settings[field] = value;
            }
        }

        return errors.Count > 0 ? throw new CliInputException(errors) : settings;
    }
}
