using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// The one way Entrance's programs connect to Redis: the router and the Syncer with <see cref="Connect"/> (start without
/// Redis and keep retrying), the CLI with <see cref="ConnectAsync"/> (fail fast naming the address). Everything that
/// reads or writes the schema is built on one of these; StackExchange.Redis stays inside this folder.
/// </summary>
public sealed class RedisConnection : IDisposable, IAsyncDisposable
{
    private RedisConnection(ConnectionMultiplexer multiplexer, ConfigurationOptions options, RedisKeys keys, RedisClientSettings? settings = null)
    {
        Multiplexer = multiplexer;
        _options = options;
        ReadFlags = (settings ?? RedisClientSettings.Default).ReadFlags;
        Keys = keys;
        Database = options.DefaultDatabase ?? 0;
        Endpoint = Describe(options);
        DetectCluster();
        multiplexer.ConnectionRestored += (_, _) => DetectCluster();
        multiplexer.ConfigurationChanged += (_, _) => DetectCluster();
    }

    private readonly ConfigurationOptions _options;

    public RedisKeys Keys { get; }

    /// <summary>The endpoints tried, for messages ("cannot reach Redis at localhost:6379").</summary>
    public string Endpoint { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    internal ConnectionMultiplexer Multiplexer { get; }

    /// <summary>The <c>defaultDatabase</c> of the configuration: every command and keyspace channel uses it.</summary>
    internal int Database { get; }

    internal IDatabase Db => Multiplexer.GetDatabase(Database);

    /// <summary>
    /// True when the server is a Redis Cluster: keys get hash tags (<see cref="RedisKeys.HashTags"/>), lookups read each
    /// candidate's slot apart, keyspace subscriptions and tracking are made on every master, scans walk every master.
    /// </summary>
    internal bool IsCluster => Keys.HashTags;

    /// <summary>Raised when the servers turn out to be a cluster after the connection was made (Redis was down at start).</summary>
    internal event Action? ClusterDetected;

    /// <summary>
    /// The masters to scan or subscribe on: every master of a cluster; otherwise the connected master (behind Sentinel
    /// or with replicas listed, the first endpoint may be a replica), else the first endpoint.
    /// </summary>
    internal IServer[] ScanServers() => IsCluster
        ? [.. Multiplexer.GetServers().Where(s => s.ServerType == ServerType.Cluster && !s.IsReplica)]
        : [Multiplexer.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica) ?? Multiplexer.GetServer(Multiplexer.GetEndPoints()[0])];

    /// <summary>
    /// A cluster's masters asked for again (<c>CLUSTER NODES</c> through the library's reconfiguration, which also extends
    /// multi-node subscriptions to new masters); true when the set of masters changed. False, and nothing sent, off a cluster.
    /// </summary>
    internal async Task<bool> RefreshClusterAsync()
    {
        if (!IsCluster)
        {
            return false;
        }

        var before = MasterNames();
        await Multiplexer.ConfigureAsync().ConfigureAwait(false);
        return !before.SetEquals(MasterNames());
    }

    private HashSet<string> MasterNames() => [.. ScanServers().Select(s => s.EndPoint.ToString() ?? string.Empty)];

    /// <summary>
    /// The keyspace-event channel for keys starting with <paramref name="keyPrefix"/>: on a cluster a channel
    /// StackExchange.Redis subscribes on every node (events are node-local); on one node the plain pattern as before.
    /// </summary>
    internal RedisChannel KeyspaceChannel(string keyPrefix) => IsCluster
        ? RedisChannel.KeySpacePrefix(keyPrefix, Database)
        : RedisChannel.Pattern($"__keyspace@{Database}__:{keyPrefix}*");

    /// <summary>Flags for lookups and the invalidation feed: <c>PreferReplica</c> when reading from replicas.</summary>
    internal CommandFlags ReadFlags { get; }

    /// <summary>
    /// Connects in the background and keeps retrying: a router must come up (and serve stale routes) without Redis.
    /// Every command fails after <paramref name="operationTimeout"/>, even on a connected but frozen server.
    /// </summary>
    public static RedisConnection Connect(string configuration, string? keyPrefix, TimeSpan operationTimeout, RedisClientSettings? settings = null)
    {
        var options = ParseOptions(configuration, operationTimeout, settings);
        var configured = options.Clone(); // a Sentinel connect replaces the endpoints it is given with the master's
        return new RedisConnection(ConnectionMultiplexer.Connect(options), configured, new RedisKeys(keyPrefix), settings);
    }

    /// <summary>
    /// Connects, failing within <paramref name="connectTimeout"/> with a <see cref="RouteStoreUnavailableException"/> that
    /// names the address tried (a CLI must not hang or retry in the background like a router does).
    /// Throws <see cref="ArgumentException"/> for a malformed configuration.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(string configuration, string? keyPrefix, TimeSpan connectTimeout, RedisClientSettings? settings = null)
    {
        // Commands get more time than the connect: a CLI's scans and pipelined writes are bigger than a lookup.
        var options = ParseOptions(configuration, TimeSpan.FromSeconds(Math.Max(connectTimeout.TotalSeconds, 5)), settings);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)connectTimeout.TotalMilliseconds;
        var configured = options.Clone(); // a Sentinel connect replaces the endpoints it is given with the master's
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw await ConnectFailureAsync(configured, ex, connectTimeout).ConfigureAwait(false);
        }

        if (!multiplexer.IsConnected)
        {
            multiplexer.Dispose();
            throw await ConnectFailureAsync(configured, null, connectTimeout).ConfigureAwait(false);
        }

        return new RedisConnection(multiplexer, configured, new RedisKeys(keyPrefix), settings);
    }

    /// <summary>
    /// What went wrong when the connection is not up: the refused step (the sentinels' or the master's credentials, a
    /// service the sentinels do not know, a node that does not answer), or null when a fresh attempt finds no problem.
    /// Makes short-lived connections of its own: call it after a failure, not on every request.
    /// </summary>
    public Task<RedisConnectProblem?> DiagnoseAsync() => RedisConnectCheck.RunAsync(_options, TimeSpan.FromMilliseconds(_options.ConnectTimeout));

    /// <summary>
    /// The exception a failed CLI connect ends in: credentials refused (naming whether by the sentinels or the master), or
    /// unreachable naming the address; with Sentinel the steps are retried one by one to tell which failed.
    /// </summary>
    private static async Task<Exception> ConnectFailureAsync(ConfigurationOptions options, Exception? ex, TimeSpan connectTimeout)
    {
        var endpoint = Describe(options);
        var timeout = $"(connect timeout {connectTimeout.TotalSeconds:0.#} s)";
        if (!string.IsNullOrEmpty(options.ServiceName) && await RedisConnectCheck.RunAsync(options, connectTimeout).ConfigureAwait(false) is { } problem)
        {
            return problem.CredentialsRefused
                ? new RedisCredentialsRefusedException(problem.Message, ex)
                : new RouteStoreUnavailableException($"cannot reach Redis through Sentinel: {problem.Message} {timeout}", ex);
        }

        if (ex is not null && RedisConnectCheck.IsAuthenticationFailure(ex))
        {
            return new RedisCredentialsRefusedException($"Redis at {endpoint} refused the credentials (user/password): {RedisConnectCheck.Reason(ex)}", ex);
        }

        return ex is null
            ? new RouteStoreUnavailableException($"cannot reach Redis at {endpoint}")
            : new RouteStoreUnavailableException($"cannot reach Redis at {endpoint}: {Reason(ex.Message)} {timeout}", ex);
    }

    /// <summary>True for the failures that mean "Redis is not answering" rather than a bug.</summary>
    public static bool IsUnavailable(Exception ex) => ex is RouteStoreUnavailableException || IsOutage(ex);

    /// <summary>
    /// A command that failed because Redis cannot serve it right now: no connection or answer, or a server that says so
    /// (<see cref="TransientErrors"/>). Callers turn these into <see cref="RouteStoreUnavailableException"/>: stale answers
    /// and retries, never a crash.
    /// </summary>
    internal static bool IsOutage(Exception ex) =>
        ex is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException
        || (ex is RedisServerException server && TransientErrors.Any(e => server.Message.StartsWith(e, StringComparison.Ordinal)));

    /// <summary>
    /// Server errors of a moment: a master demoted by a failover (READONLY, also from a script's write), a node loading
    /// its data or cut from its master (LOADING, MASTERDOWN), a cluster slot moving or down (TRYAGAIN, CLUSTERDOWN), a
    /// script running too long (BUSY).
    /// </summary>
    private static readonly string[] TransientErrors = ["READONLY", "LOADING", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY"];

    /// <summary>
    /// The reason when Redis refused a command for the connection's ACL user (NOPERM, also from inside a script), so a
    /// program can say which right is missing; null for any other failure.
    /// </summary>
    public static string? Refusal(Exception ex)
    {
        if (ex is not RedisServerException)
        {
            return ex.InnerException is { } inner ? Refusal(inner) : null;
        }

        var message = ex.Message.Trim();
        if (message.Contains("The user executing the script", StringComparison.Ordinal))
        {
            return RedisScript.RefusedCall(message) is { } call ? $"{call} refused: {message}" : message;
        }

        return message.Contains("NOPERM", StringComparison.Ordinal) || message.Contains("no permissions", StringComparison.OrdinalIgnoreCase) ? message : null;
    }

    /// <summary>Parses a StackExchange.Redis configuration string, failing with a clear message on bad input.</summary>
    public static ConfigurationOptions ParseOptions(string configuration, TimeSpan? operationTimeout = null, RedisClientSettings? settings = null)
    {
        var options = TryParse(configuration, out var problem) ?? throw new ArgumentException(problem, nameof(configuration));
        (settings ?? RedisClientSettings.Default).Apply(options);

        // RESP2: the protocol under which StackExchange.Redis delivers CLIENT TRACKING invalidations (see ClientTracking).
        options.Protocol = RedisProtocol.Resp2;

        // No tie-breaker key: Entrance never lists two masters, and reading __Booksleeve_TieBreak is one more right an ACL user needs.
        options.TieBreaker = string.Empty;

        options.AbortOnConnectFail = false;
        var timeout = operationTimeout ?? TimeSpan.FromSeconds(1);
        var timeoutMs = (int)timeout.TotalMilliseconds;
        options.SyncTimeout = timeoutMs;
        options.AsyncTimeout = timeoutMs;

        // Async timeouts are checked on each heartbeat (1 s by default): beat often enough that a sub-second timeout holds.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(timeoutMs / 2, 100, 1000));
        options.ConnectTimeout = Math.Max(timeoutMs, 1000);
        options.ConnectRetry = 1;
        options.KeepAlive = 5;

        // StackExchange.Redis counts CONFIG as an admin command, even when sent with Execute: keyspace-event detection
        // needs CONFIG GET. Entrance never issues destructive admin commands.
        options.AllowAdmin = true;
        return options;
    }

    /// <summary>Why a configuration string cannot be used, or null when it can.</summary>
    public static string? Problem(string configuration, RedisClientSettings? settings = null) =>
        TryParse(configuration, out var problem) is null ? problem : settings?.Problem();

    /// <summary>The endpoints a configuration string or URL names, sorted, without user, password or options; empty when it cannot be parsed.</summary>
    public static IReadOnlyList<string> Endpoints(string configuration) =>
        TryParse(configuration, out _) is { } options ? [.. options.EndPoints.Select(e => e.ToString() ?? string.Empty).Order(StringComparer.Ordinal)] : [];

    public void Dispose() => Multiplexer.Dispose();

    /// <summary>Once any server answers as a cluster node, the keys switch to the cluster layout (they never switch back).</summary>
    private void DetectCluster()
    {
        if (!Keys.HashTags && Multiplexer.GetServers().Any(s => s.IsConnected && s.ServerType == ServerType.Cluster))
        {
            Keys.HashTags = true;
            ClusterDetected?.Invoke();
        }
    }

    public ValueTask DisposeAsync() => Multiplexer.DisposeAsync();

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
            options = ConfigurationOptions.Parse(RedisUrl.IsUrl(configuration) ? RedisUrl.ToConfiguration(configuration) : configuration);
        }
        catch (ArgumentException ex)
        {
            problem = $"invalid Redis configuration '{Redact(configuration)}': {ex.Message}";
            return null;
        }

        if (options.EndPoints.Count == 0)
        {
            problem = $"invalid Redis configuration '{Redact(configuration)}': no endpoint";
            return null;
        }

        return options;
    }

    /// <summary>The configuration without its password, for messages and logs.</summary>
    private static string Redact(string configuration) =>
        System.Text.RegularExpressions.Regex.Replace(configuration, @"(password=)[^,]*|(://[^:@/]*:)[^@]*(@)", m => m.Groups[1].Success ? m.Groups[1].Value + "***" : m.Groups[2].Value + "***" + m.Groups[3].Value, System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    private static string Describe(ConfigurationOptions options) => string.Join(",", options.EndPoints.Select(e => e.ToString()));

    /// <summary>The useful end of StackExchange.Redis' connect failure ("... AbortOnConnectFail. SocketFailure on PING").</summary>
    private static string Reason(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        message = (newline < 0 ? message : message[..newline]).Trim().TrimEnd('.').Trim();
        var lastSentence = message.LastIndexOf(". ", StringComparison.Ordinal);
        var reason = lastSentence < 0 ? message : message[(lastSentence + 2)..].Trim();
        return reason.Length == 0 || reason.Contains("AbortOnConnectFail", StringComparison.Ordinal) ? "no answer" : reason;
    }
}
