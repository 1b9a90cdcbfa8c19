using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Startup;

/// <summary>
/// A start that failed on its input (a bad setting, a port already taken): one line for the operator and an exit code,
/// instead of an unhandled-exception abort. Anything else is a bug and keeps its stack trace. One mechanism for every
/// Entrance program; each prefixes its own name (<see cref="ProgramRunner"/>).
/// </summary>
public sealed record StartupFailure(string Message, int ExitCode)
{
    /// <summary>Exit code for bad configuration, as command-line tools use for bad usage.</summary>
    public const int ConfigurationExitCode = 2;

    /// <summary>Exit code for an environment that does not let the program start (e.g. its port is taken).</summary>
    public const int EnvironmentExitCode = 1;

    public static StartupFailure? From(Exception exception)
    {
        // ValidateOnStart reports several failing options types together: still one line, every failure in it.
        if (exception is AggregateException { InnerExceptions.Count: > 1 } several
            && several.InnerExceptions.All(i => i is OptionsValidationException))
        {
            var failures = several.InnerExceptions.Cast<OptionsValidationException>().SelectMany(i => i.Failures);
            return new("configuration error: " + string.Join("; ", failures), ConfigurationExitCode);
        }

        var e = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        return e switch
        {
            StartupConfigurationException bad => new("configuration error: " + bad.Message, ConfigurationExitCode),
            OptionsValidationException invalid => new("configuration error: " + string.Join("; ", invalid.Failures), ConfigurationExitCode),
            // The configuration binder's wording: "Failed to convert configuration value 'x' at 'Entrance:CacheTtl' to type …".
            InvalidOperationException when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
                => new("configuration error: " + e.Message, ConfigurationExitCode),
            // Kestrel, for --urls: "Invalid url: 'x'"; and "Failed to bind to address http://127.0.0.1:8080: address already in use."
            FormatException when e.Message.StartsWith("Invalid url", StringComparison.Ordinal)
                => new("configuration error: " + e.Message + " (--urls / ASPNETCORE_URLS)", ConfigurationExitCode),
            IOException when e.Message.StartsWith("Failed to bind", StringComparison.Ordinal) => new(e.Message, EnvironmentExitCode),
            _ => null,
        };
    }
}
