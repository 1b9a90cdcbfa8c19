using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// The one place that knows how Entrance connects to Redis (StackExchange.Redis 1.2.6 here); an upgrade touches the Store folder only.
/// </summary>
public static class RedisConnection
{
    /// <summary>Parses a StackExchange.Redis configuration string, failing with a clear message on bad input.</summary>
    public static ConfigurationOptions ParseOptions(string configuration, TimeSpan? operationTimeout = null)
    {
        var options = TryParse(configuration, out var problem) ?? throw new ArgumentException(problem, nameof(configuration));

        // Start and keep retrying in the background: a router must come up (and serve stale routes) without Redis.
        options.AbortOnConnectFail = false;
        var timeoutMs = (int)(operationTimeout ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        options.SyncTimeout = timeoutMs;
        options.ConnectTimeout = Math.Max(timeoutMs, 1000);
        options.ConnectRetry = 1;
        // CONFIG GET tells whether keyspace events are on; Entrance never issues destructive admin commands.
        options.AllowAdmin = true;
        options.KeepAlive = 5;
        return options;
    }

    /// <summary>Why a configuration string cannot be used, or null when it can.</summary>
    public static string? Problem(string configuration) => TryParse(configuration, out var problem) is null ? problem : null;

    private static ConfigurationOptions? TryParse(string configuration, out string problem)
    {
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(configuration))
        {
            problem = "the Redis configuration is empty";
            return null;
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            problem = $"invalid Redis configuration '{configuration}': {ex.Message}";
            return null;
        }

        if (options.EndPoints.Count == 0)
        {
            problem = $"invalid Redis configuration '{configuration}': no endpoint";
            return null;
        }

        return options;
    }

    public static ConnectionMultiplexer Connect(string configuration, TimeSpan? operationTimeout = null, TextWriter? log = null) =>
        ConnectionMultiplexer.Connect(ParseOptions(configuration, operationTimeout), log);

    /// <summary>The endpoints a configuration names, for error messages ("tried localhost:6379").</summary>
    public static string Describe(ConfigurationOptions options) => string.Join(",", options.EndPoints.Select(e => e.ToString()));
}
