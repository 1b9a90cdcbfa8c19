namespace Entrance.Hosting.Startup;

/// <summary>Runs a program's host; a start that failed on its input ends with one line on stderr and an exit code.</summary>
public static class ProgramRunner
{
    /// <param name="name">The program's name as the operator knows it (<c>entrance-router</c>), prefixed to the line.</param>
    public static async Task<int> RunAsync(string name, Func<IHost> build, TextWriter? error = null)
    {
        try
        {
            // RunAsync disposes the host when it ends.
            await build().RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (StartupFailure.From(e) is { } failure)
        {
            await (error ?? Console.Error).WriteLineAsync($"{name}: {failure.Message}").ConfigureAwait(false);
            return failure.ExitCode;
        }
    }
}
