using System.CommandLine;
using System.Text.Json;
using System.Threading.Channels;
using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli.Watch;

/// <summary><c>entrance watch</c>: tail invalidations (<c>entrance:changed</c>) and hipache dead-backend events live.</summary>
internal static class WatchCommand
{
    public static Command Create(CommandFactory factory)
    {
        var keyspace = new Option<bool>("--keyspace") { Description = "Also show keyspace events of route keys (writes made without PUBLISH, e.g. raw redis-cli)" };
        var count = new Option<int?>("--count", "-n") { Description = "Exit after this many events", HelpName = "n" };
        var command = new Command("watch", """
            Print invalidations (entrance:changed <host>) and hipache dead-backend events (dead host;url;index;count)
            as they happen, until Ctrl+C. One JSON object per line when piped or with --output json.

            Examples:
              entrance watch
              entrance watch --keyspace --output json | jq .host
            """) { keyspace, count };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var max = parse.GetValue(count);
            var events = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
            var redis = await ctx.RedisAsync();
            await new RouteWatch(redis).SubscribeAsync(e => events.Writer.TryWrite(e), parse.GetValue(keyspace));
            if (!ctx.Quiet)
            {
                await ctx.Err.WriteLineAsync($"Watching {redis.Keys.ChangedChannel} and {redis.Keys.DeadChannel} on {redis.Endpoint} (Ctrl+C to stop)");
            }

            var seen = 0;
            var json = ctx.DataFormat == OutputFormat.Json;
            try
            {
                await foreach (var e in events.Reader.ReadAllAsync(ctx.CancellationToken))
                {
                    if (json)
                    {
                        await ctx.Out.WriteLineAsync(JsonSerializer.Serialize(new { at = e.At, kind = e.Kind, host = e.Name, detail = e.Detail }, JsonOutput.Lines));
                    }
                    else
                    {
                        await ctx.Out.WriteLineAsync($"{e.At.UtcDateTime:HH:mm:ss.fff}  {e.Kind,-8}  {e.Name}{(e.Detail.Length > 0 ? "  " + e.Detail : string.Empty)}");
                    }

                    await ctx.Out.FlushAsync(CancellationToken.None);
                    if (max is { } limit && ++seen >= limit)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: a normal way to stop watching.
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
