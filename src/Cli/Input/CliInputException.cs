namespace Entrance.Cli.Input;

/// <summary>Input the CLI refuses before writing anything; exits with <see cref="ExitCodes.InvalidInput"/>.</summary>
public sealed class CliInputException : Exception
{
    public CliInputException(string message)
        : base(message)
    {
        Errors = [message];
    }

    public CliInputException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}
