using System.CommandLine;
using Entrance.Cli.Apply;
using Entrance.Cli.Certificates;
using Entrance.Cli.Dead;
using Entrance.Cli.Export;
using Entrance.Cli.Input;
using Entrance.Cli.Migrate;
using Entrance.Cli.Routes;
using Entrance.Cli.Tcp;
using Entrance.Cli.Watch;
using Entrance.Core.Store;

namespace Entrance.Cli;

/// <summary>
/// The <c>entrance</c> command line: a table of contents of its commands, and the one place that turns failures into
/// exit codes (0 ok, 1 runtime failure, 2 invalid input, 3 apply --dry-run with changes pending).
/// </summary>
public static class CliApp
{
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        TextReader stdin,
        bool isTerminal,
        Func<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var io = new CliIo(stdout, stderr, stdin, isTerminal, environment ?? Environment.GetEnvironmentVariable);
        var root = BuildRoot(io);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("error: " + error.Message);
            }

            await stderr.WriteLineAsync($"Run '{CommandPath(parse)} --help' for usage.");
            return ExitCodes.InvalidInput;
        }

        var config = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            // Program.cs handles Ctrl+C and passes the token; the library must not install its own handler in tests.
            ProcessTerminationTimeout = null,
        };
        var exit = await parse.InvokeAsync(config, cancellationToken);
        await stdout.FlushAsync(CancellationToken.None);
        return exit;
    }

    internal static RootCommand BuildRoot(CliIo io)
    {
        var options = new GlobalOptions();
        var root = new RootCommand(
            """
            Manage Entrance routes in Redis: by hand (route add/remove/set), declaratively from CI (apply -f), and inspect
            what routers see (route list/show, dead list, watch); TLS certificates per name (cert add/list/show/remove).

            Examples:
              entrance route add shop.example.com http://10.0.0.5:8080 http://10.0.0.6:8080
              entrance cert add shop.example.com --cert shop.pem --key shop.key
              entrance apply -f routes.yaml --dry-run
              entrance --redis redis.internal:6379 route list --match '*.example.com'
            """);
        options.AddTo(root);
        var commands = new CommandFactory(options, io);
        root.Subcommands.Add(RouteCommands.Create(commands));
        root.Subcommands.Add(ApplyCommand.Create(commands));
        root.Subcommands.Add(ExportCommand.Create(commands));
        root.Subcommands.Add(DeadCommands.Create(commands));
        root.Subcommands.Add(MigrateHipacheCommand.Create(commands));
        root.Subcommands.Add(WatchCommand.Create(commands));
        root.Subcommands.Add(CertCommands.Create(commands));
        root.Subcommands.Add(TcpCommands.Create(commands));
        return root;
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }

        if (names.Count > 0)
        {
            names[0] = "entrance";
        }

        return string.Join(' ', names);
    }
}

/// <summary>Wires a command's handler to a <see cref="CliContext"/> and maps its failures to exit codes.</summary>
internal sealed class CommandFactory
{
    private readonly GlobalOptions _options;
    private readonly CliIo _io;

    internal CommandFactory(GlobalOptions options, CliIo io)
    {
        _options = options;
        _io = io;
    }

    public void SetHandler(Command command, Func<CliContext, ParseResult, Task<int>> handler)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var ctx = CliContext.From(parse, _options, _io, cancellationToken);
            try
            {
                return await handler(ctx, parse);
            }
            catch (CliInputException ex)
            {
                foreach (var error in ex.Errors)
                {
                    await ctx.Err.WriteLineAsync("error: " + error);
                }

                return ExitCodes.InvalidInput;
            }
            catch (ArgumentException ex) when (ex.ParamName == "configuration")
            {
                await ctx.Err.WriteLineAsync($"error: {ex.Message.Replace(" (Parameter 'configuration')", string.Empty)}");
                return ExitCodes.InvalidInput;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
            catch (RedisCredentialsRefusedException ex)
            {
                // A wrong user or password (the sentinels' or the data nodes'): a configuration error, like an ACL refusal.
                await ctx.Err.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.InvalidInput;
            }
            catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
            {
                var message = ex is RouteStoreUnavailableException ? ex.Message : $"Redis at {ctx.Redis} did not answer: {ex.Message}";
                await ctx.Err.WriteLineAsync("error: " + message);
                return ExitCodes.Failure;
            }
            catch (Exception ex) when (RedisConnection.Refusal(ex) is { } refusal)
            {
                // A user without the right: a configuration problem, not a transient failure (ACL rules: docs/redis-schema.md).
                await ctx.Err.WriteLineAsync($"error: Redis refused a command for this user: {refusal} (see the CLI's ACL rules in docs/redis-schema.md)");
                return ExitCodes.InvalidInput;
            }
            catch (Exception ex)
            {
                // Never a stack trace for an operator; ENTRANCE_DEBUG=1 shows it.
                await ctx.Err.WriteLineAsync("error: " + ex.Message);
                if (_io.Environment("ENTRANCE_DEBUG") == "1")
                {
                    await ctx.Err.WriteLineAsync(ex.ToString());
                }

                return ExitCodes.Failure;
            }
            finally
            {
                await ctx.Out.FlushAsync(CancellationToken.None);
            }
        });
    }
}
