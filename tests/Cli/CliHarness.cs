using Entrance.Testing;

namespace Entrance.Cli.Tests;

/// <summary>What one CLI run printed and returned.</summary>
public sealed record CliRun(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>Runs the CLI in-process (CliApp.RunAsync) against a test Redis, with its own streams.</summary>
public static class CliHarness
{
    public static Task<CliRun> RunAsync(RedisServer server, params string[] args) => RunWithAsync(server, null, false, args);

    public static async Task<CliRun> RunWithAsync(RedisServer? server, string? stdin, bool isTerminal, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var all = server is null ? args : ["--redis", server.Configuration, .. args];
        var exit = await CliApp.RunAsync(all, stdout, stderr, new StringReader(stdin ?? string.Empty), isTerminal, _ => null);
        return new CliRun(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>SMEMBERS as a sorted array.</summary>
    public static async Task<string[]> MembersAsync(RedisServer server, string key) =>
        (await server.Db.SetMembersAsync(key)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Every key in the server, sorted: for "nothing was written" assertions.</summary>
    public static async Task<string> DumpAsync(RedisServer server)
    {
        var keys = (await server.CliAsync("--scan")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        var lines = new List<string>();
        foreach (var key in keys)
        {
            var type = await server.CliAsync("TYPE", key);
            var value = type switch
            {
                "set" => string.Join(',', (await server.CliAsync("SMEMBERS", key)).Split('\n').Order(StringComparer.Ordinal)),
                "list" => await server.CliAsync("LRANGE", key, "0", "-1"),
                "hash" => await server.CliAsync("HGETALL", key),
                "zset" => await server.CliAsync("ZRANGE", key, "0", "-1", "WITHSCORES"),
                _ => await server.CliAsync("GET", key),
            };
            lines.Add($"{key} {type} {value.Replace('\n', ' ')}");
        }

        return string.Join('\n', lines);
    }

    /// <summary>Collects entrance:changed messages while a test acts.</summary>
    public static async Task<List<string>> SubscribeChangedAsync(RedisServer server, string channel = "entrance:changed")
    {
        var messages = new List<string>();
        await server.Client.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal(channel), (_, m) =>
        {
            lock (messages)
            {
                messages.Add((string)m!);
            }
        });
        return messages;
    }

    public static Task<bool> ReceivedAsync(List<string> messages, string expected) =>
        Task.FromResult(Snapshot(messages).Contains(expected));

    public static string[] Snapshot(List<string> messages)
    {
        lock (messages)
        {
            return [.. messages];
        }
    }
}
