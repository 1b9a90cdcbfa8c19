using Entrance.Cli;

// The whole CLI lives in CliApp so tests run it in-process with their own streams; this is only the process shell.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops `entrance watch` (and any wait) cleanly; a second one kills the process as usual.
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};

return await CliApp.RunAsync(args, Console.Out, Console.Error, Console.In, isTerminal: !Console.IsOutputRedirected, cancellationToken: cancel.Token);
