using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>What a route name holds, in both schemas, read for listing, export and diffs.</summary>
public sealed record RouteData(
    string Name,
    IReadOnlyList<string> NativeBackends,
    IReadOnlyList<string>? HipacheBackends,
    string? HipacheIdentifier,
    IReadOnlyDictionary<string, string> Settings,
    string? Owner)
{
    public bool HasNative => NativeBackends.Count > 0;

    public bool HasHipache => HipacheBackends is not null;

    /// <summary>The schema a router serves this name from: native wins, then hipache, else declared (settings only).</summary>
    public RouteSchema Schema => HasNative ? RouteSchema.Native : HasHipache ? RouteSchema.Hipache : RouteSchema.Declared;

    /// <summary>The backends a router uses for this exact name.</summary>
    public IReadOnlyList<string> EffectiveBackends => HasNative ? NativeBackends : HipacheBackends ?? [];

    public string? LoadBalancing => Settings.TryGetValue(RedisKeys.LbField, out var lb) && lb.Length > 0 ? lb : null;

    /// <summary>True when nothing at all is stored under this name.</summary>
    public bool IsEmpty => !HasNative && !HasHipache && Settings.Count == 0;
}

/// <summary>A dead mark as stored: native (URL with expiry) or hipache (list index, expiry of the whole set).</summary>
public sealed record DeadEntry(string Host, string Url, RouteSchema Schema, long ExpiresAtUnixMs);

public sealed record AddBackendsResult(RouteSchema Schema, IReadOnlyList<string> Added);

public sealed record RemoveBackendsResult(IReadOnlyList<string> Removed, int NativeLeft, int HipacheLeft);

public enum MigrateStatus
{
    Migrated,
    WouldMigrate,
    NativeExists,
    NoBackends,
}

public sealed record MigrateResult(string Name, MigrateStatus Status, IReadOnlyList<string> Backends);

/// <summary>An event seen by <c>entrance watch</c>: an invalidation, a hipache dead event or a keyspace notification.</summary>
public sealed record WatchEvent(DateTimeOffset At, string Kind, string Name, string Detail);

/// <summary>
/// The operator's side of the route schema, for the CLI: connect fast or fail with the address tried, scan route names
/// (SCAN, never KEYS), read routes pipelined, and the small atomic writes behind <c>route add/remove/set</c>,
/// <c>dead clear</c> and <c>migrate-hipache</c> (each one Lua script that publishes <c>entrance:changed</c>).
/// Keeps StackExchange.Redis inside this folder.
/// </summary>
public sealed class RouteAdmin : IAsyncDisposable
{
    /// <summary>The dead-mark score meaning "never expires" (2^53-1 ms): finite, so every reader parses it as a number.</summary>
    public const long NeverExpires = 9007199254740991;

    private readonly ConnectionMultiplexer _redis;
    private readonly int _database;

    private RouteAdmin(ConnectionMultiplexer redis, RedisKeys keys, string endpoint)
    {
        _redis = redis;
        Keys = keys;
        Endpoint = endpoint;
        _database = ConfigurationOptions.Parse(redis.Configuration).DefaultDatabase ?? 0;
        Writer = new RouteWriter(redis, keys);
        Store = new RedisRouteStore(redis, keys);
    }

    public RedisKeys Keys { get; }

    /// <summary>The endpoints tried, for messages.</summary>
    public string Endpoint { get; }

    public RouteWriter Writer { get; }

    public RedisRouteStore Store { get; }

    /// <summary>
    /// Connects, failing within <paramref name="timeout"/> with a <see cref="RouteStoreUnavailableException"/> that names
    /// the address tried (a CLI must not hang or retry in the background like a router does).
    /// Throws <see cref="ArgumentException"/> for a malformed configuration.
    /// </summary>
    public static async Task<RouteAdmin> ConnectAsync(string configuration, string? prefix, TimeSpan timeout)
    {
        var options = RedisConnection.ParseOptions(configuration, TimeSpan.FromSeconds(Math.Max(timeout.TotalSeconds, 5)));
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        var endpoint = RedisConnection.Describe(options);
        ConnectionMultiplexer redis;
        try
        {
            // Async: a synchronous connect blocks a thread-pool thread that StackExchange.Redis 1.2.6 needs to finish it.
            redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new RouteStoreUnavailableException($"cannot reach Redis at {endpoint}: {Reason(ex.Message)} (connect timeout {timeout.TotalSeconds:0.#} s)", ex);
        }

        if (!redis.IsConnected)
        {
            redis.Dispose();
            throw new RouteStoreUnavailableException($"cannot reach Redis at {endpoint}");
        }

        return new RouteAdmin(redis, new RedisKeys(prefix), endpoint);
    }

    /// <summary>True for the failures that mean "Redis is not answering" rather than a bug.</summary>
    public static bool IsUnavailable(Exception ex) =>
        ex is RouteStoreUnavailableException or RedisConnectionException or RedisTimeoutException or TimeoutException;

    /// <summary>Route names (native backends or settings, hipache frontends) matching a glob over the name, found with SCAN.</summary>
    public async Task<IReadOnlyList<string>> ScanRouteNamesAsync(string? glob = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nameGlob = string.IsNullOrEmpty(glob) ? "*" : glob;
        foreach (var part in new[] { RedisKeys.BackendsPart, RedisKeys.SettingsPart, RedisKeys.FrontendPart })
        {
            var prefix = Keys.Prefix + part;
            await foreach (var key in ScanAsync(EscapeGlob(prefix) + nameGlob).ConfigureAwait(false))
            {
                if (key.Length > prefix.Length)
                {
                    names.Add(key[prefix.Length..]);
                }
            }
        }

        var list = names.ToList();
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    /// <summary>Reads many route names, pipelined: every command is in flight at once.</summary>
    public async Task<IReadOnlyList<RouteData>> ReadAsync(IReadOnlyList<string> names)
    {
        var db = _redis.GetDatabase(_database);
        var owners = db.HashGetAllAsync(Keys.Owners);
        var members = new Task<RedisValue[]>[names.Count];
        var settings = new Task<HashEntry[]>[names.Count];
        var frontends = new Task<RedisValue[]>[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            members[i] = db.SetMembersAsync(Keys.Backends(names[i]));
            settings[i] = db.HashGetAllAsync(Keys.Settings(names[i]));
            frontends[i] = db.ListRangeAsync(Keys.Frontend(names[i]));
        }

        var ownerMap = (await owners.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var result = new RouteData[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var native = (await members[i].ConfigureAwait(false)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToArray();
            var hash = (await settings[i].ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
            var list = await frontends[i].ConfigureAwait(false);
            string[]? hipache = list.Length > 0 ? list.Skip(1).Select(v => (string)v!).ToArray() : null;
            result[i] = new RouteData(names[i], native, hipache, list.Length > 0 ? (string?)list[0] : null, hash, ownerMap.GetValueOrDefault(names[i]));
        }

        return result;
    }

    public async Task<IReadOnlyDictionary<string, string>> OwnersAsync() => await Writer.OwnersAsync().ConfigureAwait(false);

    /// <summary>The writer that manages a name (<c>apply</c>, <c>syncer</c>), or null when it was written by hand.</summary>
    public async Task<string?> OwnerAsync(string name) => await Db.HashGetAsync(Keys.Owners, name).ConfigureAwait(false);

    public async Task<AddBackendsResult> AddBackendsAsync(string name, IReadOnlyList<string> urls)
    {
        var args = new RedisValue[urls.Count + 1];
        args[0] = name;
        for (var i = 0; i < urls.Count; i++)
        {
            args[i + 1] = urls[i];
        }

        var result = (RedisResult[])(await RedisScript.AddBackends.EvaluateAsync(Db, [Keys.Backends(name), Keys.Frontend(name), Keys.ChangedChannel], args).ConfigureAwait(false))!;
        var schema = (string)result[0]! == "hipache" ? RouteSchema.Hipache : RouteSchema.Native;
        return new AddBackendsResult(schema, result.Skip(1).Select(r => (string)r!).ToArray());
    }

    public async Task<RemoveBackendsResult> RemoveBackendsAsync(string name, IReadOnlyList<string> urls)
    {
        var args = new RedisValue[urls.Count + 1];
        args[0] = name;
        for (var i = 0; i < urls.Count; i++)
        {
            args[i + 1] = urls[i];
        }

        RedisKey[] keys = [Keys.Backends(name), Keys.NativeDead(name), Keys.Frontend(name), Keys.HipacheDead(name), Keys.ChangedChannel];
        var result = (RedisResult[])(await RedisScript.RemoveBackends.EvaluateAsync(Db, keys, args).ConfigureAwait(false))!;
        var removed = result.Take(result.Length - 3).Select(r => (string)r!).ToArray();
        return new RemoveBackendsResult(removed, (int)result[^2], (int)result[^1]);
    }

    /// <summary>Sets settings fields (an empty value deletes one); returns how many changed.</summary>
    public async Task<int> SetSettingsAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var args = new List<RedisValue> { name };
        foreach (var (field, value) in settings)
        {
            args.Add(field);
            args.Add(value);
        }

        var result = await RedisScript.SetSettings.EvaluateAsync(Db, [Keys.Settings(name), Keys.ChangedChannel], args.ToArray()).ConfigureAwait(false);
        return (int)result;
    }

    /// <summary>Dead marks still in force, for one name or (with null) every name, found with SCAN.</summary>
    public async Task<IReadOnlyList<DeadEntry>> DeadAsync(string? host, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (host is not null)
        {
            names.Add(host);
        }
        else
        {
            foreach (var part in new[] { RedisKeys.NativeDeadPart, RedisKeys.HipacheDeadPart })
            {
                var prefix = Keys.Prefix + part;
                await foreach (var key in ScanAsync(EscapeGlob(prefix) + "*").ConfigureAwait(false))
                {
                    if (key.Length > prefix.Length)
                    {
                        names.Add(key[prefix.Length..]);
                    }
                }
            }
        }

        var db = Db;
        var entries = new List<DeadEntry>();
        foreach (var name in names)
        {
            var native = db.SortedSetRangeByScoreWithScoresAsync(Keys.NativeDead(name), nowMs, double.PositiveInfinity, Exclude.Start);
            var indexes = db.SetMembersAsync(Keys.HipacheDead(name));
            var pttl = db.ExecuteAsync("PTTL", Keys.HipacheDead(name));
            var frontend = db.ListRangeAsync(Keys.Frontend(name));
            foreach (var mark in await native.ConfigureAwait(false))
            {
                entries.Add(new DeadEntry(name, (string)mark.Element!, RouteSchema.Native, mark.Score >= NeverExpires ? long.MaxValue : (long)mark.Score));
            }

            var ttl = (long)await pttl.ConfigureAwait(false);
            var list = await frontend.ConfigureAwait(false);
            foreach (var raw in await indexes.ConfigureAwait(false))
            {
                if (int.TryParse((string?)raw, out var index) && index >= 0 && index + 1 < list.Length)
                {
                    entries.Add(new DeadEntry(name, (string)list[index + 1]!, RouteSchema.Hipache, ttl >= 0 ? nowMs + ttl : long.MaxValue));
                }
            }
        }

        return entries;
    }

    /// <summary>Clears every dead mark of a name; returns how many there were.</summary>
    public async Task<int> ClearDeadAsync(string name)
    {
        var result = await RedisScript.ClearDead.EvaluateAsync(Db, [Keys.NativeDead(name), Keys.HipacheDead(name), Keys.ChangedChannel], [name]).ConfigureAwait(false);
        return (int)result;
    }

    /// <summary>Copies one hipache frontend into a native set (unless one exists), with its dead marks.</summary>
    public async Task<MigrateResult> MigrateFrontendAsync(string name, bool dryRun, DateTimeOffset now)
    {
        RedisKey[] keys = [Keys.Backends(name), Keys.Frontend(name), Keys.HipacheDead(name), Keys.NativeDead(name), Keys.ChangedChannel];
        var result = (RedisResult[])(await RedisScript.MigrateFrontend.EvaluateAsync(Db, keys, [name, now.ToUnixTimeMilliseconds(), dryRun ? "1" : "0"]).ConfigureAwait(false))!;
        var status = (string)result[0]! switch
        {
            "migrated" => MigrateStatus.Migrated,
            "would-migrate" => MigrateStatus.WouldMigrate,
            "native-exists" => MigrateStatus.NativeExists,
            _ => MigrateStatus.NoBackends,
        };
        return new MigrateResult(name, status, result.Skip(1).Select(r => (string)r!).ToArray());
    }

    /// <summary>Names of every hipache frontend, found with SCAN.</summary>
    public async Task<IReadOnlyList<string>> ScanFrontendsAsync()
    {
        var prefix = Keys.Prefix + RedisKeys.FrontendPart;
        var names = new List<string>();
        await foreach (var key in ScanAsync(EscapeGlob(prefix) + "*").ConfigureAwait(false))
        {
            if (key.Length > prefix.Length)
            {
                names.Add(key[prefix.Length..]);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names.Distinct().ToList();
    }

    /// <summary>
    /// Subscribes to <c>entrance:changed</c> and hipache's <c>dead</c> channel, and with <paramref name="keyspace"/> to the
    /// keyspace events of the route keys (writes made without a PUBLISH). The handler runs on the subscriber's thread.
    /// </summary>
    public async Task SubscribeAsync(Action<WatchEvent> handler, bool keyspace)
    {
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(Keys.ChangedChannel, (_, message) =>
            handler(new WatchEvent(DateTimeOffset.UtcNow, "changed", ((string?)message ?? string.Empty).Trim(), string.Empty))).ConfigureAwait(false);
        await subscriber.SubscribeAsync(Keys.DeadChannel, (_, message) =>
        {
            // hipache: host;url;index;count
            var text = (string?)message ?? string.Empty;
            var parts = text.Split(';');
            handler(new WatchEvent(DateTimeOffset.UtcNow, "dead", parts[0], parts.Length > 1 ? string.Join(';', parts[1..]) : string.Empty));
        }).ConfigureAwait(false);
        if (!keyspace)
        {
            return;
        }

        var keyspacePrefix = $"__keyspace@{_database}__:";
        foreach (var pattern in Keys.RoutePatterns)
        {
            var channel = new RedisChannel(keyspacePrefix + pattern, RedisChannel.PatternMode.Pattern);
            await subscriber.SubscribeAsync(channel, (ch, message) =>
            {
                var key = ((string)ch!)[keyspacePrefix.Length..];
                var name = Keys.RouteNameOf(key);
                if (name is not null)
                {
                    handler(new WatchEvent(DateTimeOffset.UtcNow, "keyspace", name, $"{(string?)message} {key}"));
                }
            }).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
        _redis.Dispose();
    }

    private IDatabase Db => _redis.GetDatabase(_database);

    /// <summary>Walks the keyspace with SCAN (never KEYS, which blocks a production Redis).</summary>
    private async IAsyncEnumerable<string> ScanAsync(string pattern)
    {
        var db = Db;
        var cursor = "0";
        do
        {
            var reply = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000).ConfigureAwait(false))!;
            cursor = (string)reply[0]!;
            foreach (var key in (RedisResult[])reply[1]!)
            {
                yield return (string)key!;
            }
        }
        while (cursor != "0");
    }

    /// <summary>Escapes glob metacharacters in a literal key prefix.</summary>
    private static string EscapeGlob(string literal)
    {
        var builder = new System.Text.StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

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
