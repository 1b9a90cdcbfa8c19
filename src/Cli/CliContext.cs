using System.CommandLine;
using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli;

/// <summary>One invocation's streams, global options and (lazily) its Redis connection.</summary>
public sealed class CliContext : IAsyncDisposable
{
    public const string DefaultRedis = "localhost:6379";

    /// <summary>A CLI must fail fast when Redis is away, not retry like a router does.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private RedisConnection? _redis;

    public CliContext(TextWriter stdout, TextWriter stderr, TextReader stdin, bool isTerminal, string redis, string? prefix, OutputFormat? output, bool quiet, CancellationToken cancellationToken)
        : this(stdout, stderr, stdin, isTerminal, redis, prefix, output, quiet, cancellationToken, null)
    {
    }

    public CliContext(TextWriter stdout, TextWriter stderr, TextReader stdin, bool isTerminal, string redis, string? prefix, OutputFormat? output, bool quiet, CancellationToken cancellationToken, string? redisCa)
    {
        RedisCa = redisCa;
        Out = stdout;
        Err = stderr;
        In = stdin;
        IsTerminal = isTerminal;
        Redis = redis;
        Prefix = prefix;
        RequestedOutput = output;
        Quiet = quiet;
        CancellationToken = cancellationToken;
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public TextReader In { get; }

    /// <summary>True when stdout is a terminal: tables, colours and progress bars; none of that when piped.</summary>
    public bool IsTerminal { get; }

    public string Redis { get; }

    public string? Prefix { get; }

    /// <summary>A PEM CA file to trust for TLS to Redis (--redis-ca, env ENTRANCE_REDIS_CA).</summary>
    public string? RedisCa { get; }

    public OutputFormat? RequestedOutput { get; }

    public bool Quiet { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// The format of a command that prints data (list, show, dead list, watch): as asked, else a table on a terminal
    /// and JSON when piped, the convention for data meant for another program.
    /// </summary>
    public OutputFormat DataFormat => RequestedOutput ?? (IsTerminal ? OutputFormat.Table : OutputFormat.Json);

    /// <summary>
    /// The format of a command that reports what it did (add, remove, apply...): as asked, else plain text, which reads
    /// well both on a terminal and in a CI log.
    /// </summary>
    public OutputFormat ReportFormat => RequestedOutput ?? OutputFormat.Plain;

    /// <summary>The connection, made on first use so commands refused for bad input never touch Redis.</summary>
    public async Task<RedisConnection> RedisAsync()
    {
        if (_redis is null)
        {
            var settings = new RedisClientSettings(RedisCa);
            if (settings.Problem() is { } problem)
            {
                throw new ArgumentException(problem, "configuration");
            }

            _redis = await RedisConnection.ConnectAsync(Redis, Prefix, ConnectTimeout, settings);
        }

        return _redis;
    }

    /// <summary>A progress or status line for people; silent with --quiet and when JSON goes to stdout.</summary>
    public void Info(string line)
    {
        if (!Quiet && ReportFormat != OutputFormat.Json)
        {
            Out.WriteLine(line);
        }
    }

    public void Warn(string line)
    {
        if (!Quiet)
        {
            Err.WriteLine("warning: " + line);
        }
    }

    public void Json(object value) => Out.WriteLine(JsonOutput.Serialize(value));

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    internal static CliContext From(ParseResult parse, GlobalOptions options, CliIo io, CancellationToken cancellationToken)
    {
        var redis = parse.GetValue(options.Redis);
        if (string.IsNullOrWhiteSpace(redis))
        {
            redis = io.Environment("ENTRANCE_REDIS");
        }

        if (string.IsNullOrWhiteSpace(redis))
        {
            redis = DefaultRedis;
        }

        var prefix = parse.GetValue(options.Prefix) ?? io.Environment("ENTRANCE_PREFIX");
        var redisCa = parse.GetValue(options.RedisCa) ?? io.Environment("ENTRANCE_REDIS_CA");
        var output = parse.GetValue(options.Output) switch
        {
            "table" => OutputFormat.Table,
            "json" => OutputFormat.Json,
            "plain" => OutputFormat.Plain,
            _ => (OutputFormat?)null,
        };
        return new CliContext(io.Out, io.Err, io.In, io.IsTerminal, redis, prefix, output, parse.GetValue(options.Quiet), cancellationToken, string.IsNullOrWhiteSpace(redisCa) ? null : redisCa);
    }
}

/// <summary>The process' streams and environment, replaceable by tests.</summary>
internal sealed record CliIo(TextWriter Out, TextWriter Err, TextReader In, bool IsTerminal, Func<string, string?> Environment);

/// <summary>Options every command accepts, before or after the command name.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = $"Redis to use: a StackExchange.Redis configuration (host:port[,user=...,password=...][,ssl=true][,serviceName=... for Sentinel]) or a redis[s]://user:password@host:port/db URL. Env ENTRANCE_REDIS; default {CliContext.DefaultRedis}",
        HelpName = "config",
        Recursive = true,
    };

    public Option<string?> RedisCa { get; } = new("--redis-ca")
    {
        Description = "PEM file of the CA that signed Redis's TLS certificate (env ENTRANCE_REDIS_CA)",
        HelpName = "file",
        Recursive = true,
    };

    public Option<string?> Prefix { get; } = new("--prefix")
    {
        Description = "Key prefix prepended to every key and channel, hipache's included (env ENTRANCE_PREFIX; default none)",
        HelpName = "prefix",
        Recursive = true,
    };

    public Option<string?> Output { get; } = new("--output", "-o")
    {
        Description = "Output format: table, json or plain. Default: a table on a terminal, JSON when piped (data commands); plain text for commands that write",
        HelpName = "format",
        Recursive = true,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "Print only data and errors: no diffs, progress or confirmations",
        Recursive = true,
    };

    public GlobalOptions()
    {
        Output.AcceptOnlyFromAmong("table", "json", "plain");
    }

    public void AddTo(Command root)
    {
        root.Options.Add(Redis);
        root.Options.Add(RedisCa);
        root.Options.Add(Prefix);
        root.Options.Add(Output);
        root.Options.Add(Quiet);
    }
}
