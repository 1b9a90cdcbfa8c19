using Entrance.Core.Hosts;
using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>The route schema read from Redis: <see cref="IRouteStore"/> and <see cref="IRouteChangeFeed"/> over one connection.</summary>
public sealed class RedisRouteStore : IRouteStore, IRouteChangeFeed
{
    private const int KeysPerCandidate = 8;

    private readonly RedisConnection _connection;
    private readonly ConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly int _database;
    private readonly TimeProvider _time;
    private readonly ClientTracking _tracking;
    private readonly CommandFlags _readFlags;
    private volatile string? _keyspaceRefused;

    public RedisRouteStore(RedisConnection connection, TimeProvider? time = null)
    {
        _connection = connection;
        _redis = connection.Multiplexer;
        _keys = connection.Keys;
        _database = connection.Database;
        _time = time ?? TimeProvider.System;
        _tracking = new ClientTracking(_redis, _keys);
        _readFlags = connection.ReadFlags;
    }

    public bool IsConnected => _connection.IsConnected;

    public async Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        var candidates = CandidatesFor(host);
        var keys = new RedisKey[candidates.Length * KeysPerCandidate];
        for (var i = 0; i < candidates.Length; i++)
        {
            var name = candidates[i];
            var k = i * KeysPerCandidate;
            keys[k] = _keys.Backends(name);
            keys[k + 1] = _keys.Settings(name);
            keys[k + 2] = _keys.NativeDead(name);
            keys[k + 3] = _keys.Frontend(name);
            keys[k + 4] = _keys.HipacheDead(name);
            keys[k + 5] = _keys.Paths(name);
            keys[k + 6] = _keys.Weights(name);
            keys[k + 7] = _keys.Expiry(name);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var args = new RedisValue[3 + candidates.Length];
        args[0] = now;
        args[1] = _keys.Prefix;
        args[2] = string.Empty;
        for (var i = 0; i < candidates.Length; i++)
        {
            args[3 + i] = candidates[i];
        }

        var db = _redis.GetDatabase(_database);
        RedisResult result;
        try
        {
            // On a Redis Cluster each candidate is read on its own node (ClusterResolve); on one node, one EVALSHA.
            result = _connection.IsCluster
                ? await ClusterResolve.ReadAsync(db, _keys, candidates, now, _readFlags).WaitAsync(cancellationToken).ConfigureAwait(false)
                : await RedisScript.Resolve.EvaluateReadOnlyAsync(db, keys, args, _readFlags).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not answer for {host}: {ex.Message}", ex);
        }
        catch (RedisServerException ex) when (WrongTypeRoutes.IsWrongType(ex))
        {
            // Hand-written data of the wrong type: a "bad route" answer, cached like any other, instead of an exception per request.
            var bad = await WrongTypeRoutes.DiagnoseAsync(db, _keys, candidates, keys, KeysPerCandidate).ConfigureAwait(false);
            if (bad is null)
            {
                throw; // the wrong-typed key is gone already: let the caller see the failure
            }

            return bad;
        }
        catch (RedisServerException ex) when (RedisConnection.Refusal(ex) is { } refusal)
        {
            // A user without the right: as good as no Redis for this lookup (stale answers, then 503), and the log says which.
            throw new RouteStoreUnavailableException($"Redis refused the lookup for {host}: {refusal}", ex);
        }

        return result.IsNull ? null : Parse(candidates, keys, (RedisResult[])result!, now);
    }

    /// <summary>
    /// Which wildcards and whether the catch-all exist; the router keeps it current from the change feed and trusts it
    /// only while that feed is live (a process that never does, like the CLI, probes every candidate).
    /// </summary>
    public KnownRouteNames KnownNames { get; } = new();

    /// <summary>
    /// The route names a lookup reads, in order (exact, wildcards longest first, catch-all): only those of them known to
    /// exist while <see cref="KnownNames"/> is trusted, so an unknown host costs one candidate's reads.
    /// </summary>
    private string[] CandidatesFor(string host) => KnownNames.Candidates(host);

    public async Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var hipache = route.Schema == RouteSchema.Hipache;
        RedisKey[] keys = [hipache ? _keys.HipacheDead(route.RouteName) : _keys.NativeDead(route.RouteName)];
        RedisValue[] args =
        [
            hipache ? "hipache" : "native", route.RouteName, route.Backends[index], index,
            route.Backends.Count, expiresAtUnixMs, Math.Max(1, expiresAtUnixMs - now), now, _keys.ChangedChannel, _keys.DeadChannel,
        ];
        try
        {
            await RedisScript.MarkDead.EvaluateAsync(_redis.GetDatabase(_database), keys, args).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not take the dead mark for {route.RouteName}: {ex.Message}", ex);
        }
    }

    public Task SubscribeAsync(Action<RouteChange> handler)
    {
        var subscriber = _redis.GetSubscriber();
        _redis.ConnectionRestored += (_, e) =>
        {
            _tracking.MarkLost(); // new connection ids (or a restarted server reusing them): register again
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                handler(new RouteChange(RouteChangeKind.Resubscribed, null, RouteChangeOrigin.Connection));
            }
        };
        _redis.ConnectionFailed += (_, e) =>
        {
            var trackingLost = _tracking.MarkLost();
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                handler(new RouteChange(RouteChangeKind.SubscriptionLost, null, RouteChangeOrigin.Connection));
            }
            else if (trackingLost)
            {
                handler(new RouteChange(RouteChangeKind.SubscriptionLost, null, RouteChangeOrigin.Tracking));
            }
        };

        var tasks = new List<Task>
        {
            subscriber.SubscribeAsync(ClientTracking.Channel, (_, message) => OnTrackingMessage(message, handler), _readFlags),
            subscriber.SubscribeAsync(RedisChannel.Literal(_keys.ChangedChannel), (_, message) =>
            {
                var name = ((string?)message)?.Trim();
                if (string.IsNullOrEmpty(name))
                {
                    return;
                }

                if (name == HostName.CatchAll)
                {
                    handler(new RouteChange(RouteChangeKind.All, null, RouteChangeOrigin.Publish));
                }
                else if (name.StartsWith(RedisKeys.CertificateChangePrefix, StringComparison.OrdinalIgnoreCase))
                {
                    var certificate = name[RedisKeys.CertificateChangePrefix.Length..].Trim().TrimEnd('.').ToLowerInvariant();
                    if (certificate.Length > 0)
                    {
                        handler(new RouteChange(RouteChangeKind.Certificate, certificate, RouteChangeOrigin.Publish));
                    }
                }
                else if (!name.StartsWith(RedisKeys.TcpChangePrefix, StringComparison.OrdinalIgnoreCase))
                {
                    // tcp:<port> is a TCP route's (TcpRouteStore reads it); no host name has a colon.
                    handler(new RouteChange(RouteChangeKind.Route, name.ToLowerInvariant(), RouteChangeOrigin.Publish));
                }
            }, _readFlags),
        };

        SubscribeKeyspace(subscriber, handler, tasks);
        if (!_connection.IsCluster)
        {
            // A router that came up before Redis did: once the servers turn out to be a cluster, the keys carry hash tags
            // (refresh every answer) and the keyspace channels are subscribed again, on every master this time.
            _connection.ClusterDetected += () =>
            {
                handler(new RouteChange(RouteChangeKind.All, null, RouteChangeOrigin.Connection));
                var again = new List<Task>();
                SubscribeKeyspace(subscriber, handler, again);
                _ = Task.WhenAll(again).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            };
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>Keyspace events are node-local: on a cluster these channels are subscribed on every master (<see cref="RedisConnection.KeyspaceChannel"/>).</summary>
    private void SubscribeKeyspace(ISubscriber subscriber, Action<RouteChange> handler, List<Task> tasks)
    {
        var keyspacePrefix = $"__keyspace@{_database}__:";
        tasks.Add(KeyspaceAsync(subscriber.SubscribeAsync(_connection.KeyspaceChannel(_keys.CertificatePattern.TrimEnd('*')), (ch, _) =>
        {
            var name = _keys.CertificateNameOf(((string)ch!).AsSpan(keyspacePrefix.Length));
            if (name is not null)
            {
                handler(new RouteChange(RouteChangeKind.Certificate, name, RouteChangeOrigin.Keyspace));
            }
        }, _readFlags)));

        foreach (var pattern in _keys.RoutePatterns)
        {
            tasks.Add(KeyspaceAsync(subscriber.SubscribeAsync(_connection.KeyspaceChannel(pattern.TrimEnd('*')), (ch, _) =>
            {
                var key = ((string)ch!).AsSpan(keyspacePrefix.Length);
                var name = _keys.RouteNameOf(key);
                if (name is not null)
                {
                    handler(new RouteChange(RouteChangeKind.Route, name, RouteChangeOrigin.Keyspace));
                }
            }, _readFlags)));
        }
    }

    public Task<TrackingResult> EnsureTrackingAsync() => _tracking.EnsureAsync();

    public async Task<bool> RefreshTopologyAsync()
    {
        try
        {
            return await _connection.RefreshClusterAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false; // unreachable now: the next check asks again
        }
    }

    /// <summary>
    /// A keyspace subscription an ACL user may not make (PSUBSCRIBE patterns are matched literally against the user's
    /// channel rules) does not stop the others: tracking and PUBLISH cover for it, and the keyspace check says "unknown".
    /// </summary>
    private async Task KeyspaceAsync(Task subscription)
    {
        try
        {
            await subscription.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (RedisConnection.Refusal(ex) is not null)
        {
            _keyspaceRefused = ex.Message;
        }
    }

    /// <summary>A key CLIENT TRACKING announced (one message per key), or null for "everything" (FLUSHALL, FLUSHDB).</summary>
    private void OnTrackingMessage(RedisValue key, Action<RouteChange> handler)
    {
        if (key.IsNull)
        {
            handler(new RouteChange(RouteChangeKind.All, null, RouteChangeOrigin.Tracking));
        }
        else if (_keys.RouteNameOf(((string)key!).AsSpan()) is { } route)
        {
            handler(new RouteChange(RouteChangeKind.Route, route, RouteChangeOrigin.Tracking));
        }
        else if (_keys.CertificateNameOf(((string)key!).AsSpan()) is { } certificate)
        {
            handler(new RouteChange(RouteChangeKind.Certificate, certificate, RouteChangeOrigin.Tracking));
        }
    }

    public async Task<bool?> KeyspaceEventsEnabledAsync()
    {
        if (_keyspaceRefused is not null)
        {
            return null;
        }

        try
        {
            // Keyspace events are node-local: ask the node the subscriptions (and, with replica reads, the lookups) use,
            // and on a cluster every master, since each announces only the writes to its own slots.
            IServer[] servers = _connection.IsCluster
                ? _connection.ScanServers()
                : [_redis.GetServer(_redis.GetSubscriber().SubscribedEndpoint(RedisChannel.Literal(_keys.ChangedChannel)) ?? _redis.GetEndPoints()[0])];
            if (servers.Length == 0)
            {
                return null;
            }

            var answers = await Task.WhenAll(servers.Select(s => s.ConfigGetAsync("notify-keyspace-events"))).ConfigureAwait(false);
            return answers.All(config => KeyspaceFlagsCover(config.Length == 0 ? string.Empty : config[0].Value ?? string.Empty));
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            return null; // CONFIG is disabled on many managed services, or Redis is not reachable right now.
        }
    }

    /// <summary>
    /// True when <c>notify-keyspace-events</c> flags emit keyspace events for every type the schema uses:
    /// K plus generic, set, list, hash, sorted set and expired (A covers the type letters).
    /// </summary>
    public static bool KeyspaceFlagsCover(string flags)
    {
        if (!flags.Contains('K'))
        {
            return false;
        }

        if (flags.Contains('A'))
        {
            return true;
        }

        foreach (var c in "gslhzx")
        {
            if (!flags.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    private RouteRecord Parse(string[] candidates, RedisKey[] keys, RedisResult[] parts, long now)
    {
        var record = ParseRoute(candidates, keys, parts, now);
        var problems = new List<string>();
        var paths = parts.Length > 8 ? ResolveExtras.Paths((RedisResult[])parts[8]!, record, _keys, problems) : [];
        record = parts.Length > 7 ? ResolveExtras.WithExtras(record, (string[])parts[6]!, (string[])parts[7]!, problems) : record;
        return paths.Length == 0 ? record : record with { Paths = paths };
    }

    private static RouteRecord ParseRoute(string[] candidates, RedisKey[] keys, RedisResult[] parts, long now)
    {
        var schemaName = (string)parts[0]!;
        var candidate = (int)(long)parts[1] - 1;
        var urls = (string[])parts[2]!;
        var settings = Settings((string[])parts[3]!);
        var routeName = candidates[candidate];
        var deadRaw = (string[])parts[4]!;
        switch (schemaName)
        {
            case "native":
            {
                Array.Sort(urls, StringComparer.Ordinal); // SMEMBERS order is arbitrary; keep indexes stable.
                return new RouteRecord(routeName, (string)keys[candidate * KeysPerCandidate]!, RouteSchema.Native, urls, settings, NativeDead(urls, deadRaw));
            }

            case "hipache":
            {
                var backends = urls.Length > 1 ? urls[1..] : [];
                var pttl = (long)parts[5];
                var expiry = pttl >= 0 ? now + pttl : long.MaxValue;
                var dead = new List<DeadMark>(deadRaw.Length);
                foreach (var raw in deadRaw)
                {
                    if (int.TryParse(raw, out var index) && index >= 0 && index < backends.Length)
                    {
                        dead.Add(new DeadMark(backends[index], index, expiry));
                    }
                }

                return new RouteRecord(routeName, (string)keys[candidate * KeysPerCandidate + 3]!, RouteSchema.Hipache, backends, settings, dead)
                {
                    Identifier = urls.Length > 0 ? urls[0] : null,
                };
            }

            default:
                return new RouteRecord(routeName, (string)keys[candidate * KeysPerCandidate + 1]!, RouteSchema.Declared, [], settings, []);
        }
    }

    /// <summary>A flat HGETALL answer as a dictionary.</summary>
    internal static Dictionary<string, string> Settings(string[] flat)
    {
        var settings = new Dictionary<string, string>(flat.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            settings[flat[i]] = flat[i + 1];
        }

        return settings;
    }

    /// <summary>Native dead marks (<c>url, expiry, ...</c>) of sorted <paramref name="urls"/>.</summary>
    internal static List<DeadMark> NativeDead(string[] urls, string[] deadRaw)
    {
        var dead = new List<DeadMark>(deadRaw.Length / 2);
        for (var i = 0; i + 1 < deadRaw.Length; i += 2)
        {
            var index = Array.IndexOf(urls, deadRaw[i]);
            if (index >= 0 && TryParseExpiry(deadRaw[i + 1], out var expiry))
            {
                dead.Add(new DeadMark(deadRaw[i], index, expiry));
            }
        }

        return dead;
    }

    /// <summary>A ZSET score as Lua returns it: a number, or <c>inf</c> for a mark written to never expire.</summary>
    internal static bool TryParseExpiry(string score, out long expiresAtUnixMs)
    {
        if (score is "inf" or "+inf")
        {
            expiresAtUnixMs = long.MaxValue;
            return true;
        }

        var ok = double.TryParse(score, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value);
        expiresAtUnixMs = !ok ? 0 : value >= long.MaxValue ? long.MaxValue : (long)value;
        return ok;
    }
}
