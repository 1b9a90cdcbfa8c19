using Entrance.Router;
using Entrance.Router.Hosting;

try
{
    await EntranceRouter.Build(args).RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.From(e) is { } failure)
{
    await Console.Error.WriteLineAsync("entrance-router: " + failure.Message);
    return failure.ExitCode;
}
