using System.Globalization;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// A TCP route as read: its backends (<c>host:port</c>, sorted), its settings HASH as written, and the backends marked
/// dead, each with when its mark lapses (unix ms, <see cref="long.MaxValue"/> for never).
/// </summary>
public sealed record TcpRouteRecord(
    int Port,
    IReadOnlyList<string> Backends,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyDictionary<string, long> Dead);

/// <summary>
/// The router's side of TCP routes (<c>entrance:tcp:&lt;port&gt;</c>, <c>entrance:tcp-settings:&lt;port&gt;</c>,
/// <c>entrance:tcp-dead:&lt;port&gt;</c>): read one port's route in one round trip, mark a backend dead for every
/// router, list the ports that have routes. Writing routes is the CLI's and the Syncer's business.
/// </summary>
public sealed class TcpRouteStore(RedisConnection redis, TimeProvider? time = null)
{
    // ZADD the mark, drop lapsed ones, let the key expire with its last mark, tell the routers. One script: atomic.
    // The channel is an argument, not a key (Redis Cluster wants every key of a script in one slot).
    private const string MarkDeadScript = """
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if #last == 2 then redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2]))) end
        redis.call('PUBLISH', ARGV[5], ARGV[4])
        return 1
        """;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public bool IsConnected => redis.IsConnected;

    /// <summary>The route listening on <paramref name="port"/>, or null when it has no backends key.</summary>
    public async Task<TcpRouteRecord?> ReadAsync(int port, CancellationToken cancellationToken = default)
    {
        var keys = redis.Keys;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var batch = redis.Db.CreateBatch();
        var members = batch.SetMembersAsync(keys.TcpBackends(port));
        var settings = batch.HashGetAllAsync(keys.TcpSettings(port));
        var dead = batch.SortedSetRangeByScoreWithScoresAsync(keys.TcpDead(port), now, double.PositiveInfinity, Exclude.Start);
        batch.Execute(); // pipelined: one round trip
        try
        {
            await Task.WhenAll(members, settings, dead).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not answer for TCP port {port}: {ex.Message}", ex);
        }

        return ToRecord(port, members.Result, settings.Result, dead.Result);
    }

    /// <summary>Marks <paramref name="backend"/> of <paramref name="port"/> dead for every router until <paramref name="expiresAtUnixMs"/>.</summary>
    public async Task MarkDeadAsync(int port, string backend, long expiresAtUnixMs, CancellationToken cancellationToken = default)
    {
        var keys = redis.Keys;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        RedisKey[] scriptKeys = [keys.TcpDead(port)];
        RedisValue[] args = [backend, expiresAtUnixMs, now, Schema.RedisKeys.TcpChangePrefix + port.ToString(CultureInfo.InvariantCulture), keys.ChangedChannel];
        try
        {
            await redis.Db.ScriptEvaluateAsync(MarkDeadScript, scriptKeys, args).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not take the dead mark for TCP port {port}: {ex.Message}", ex);
        }
    }

    /// <summary>Every TCP route, found with SCAN, by port.</summary>
    public async Task<IReadOnlyList<TcpRouteRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var ports = new SortedSet<int>();
        await foreach (var name in KeyScan.RouteNamesAsync(redis, Schema.RedisKeys.TcpBackendsPart).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                ports.Add(port);
            }
        }

        var routes = new List<TcpRouteRecord>(ports.Count);
        foreach (var port in ports)
        {
            if (await ReadAsync(port, cancellationToken).ConfigureAwait(false) is { } route)
            {
                routes.Add(route);
            }
        }

        return routes;
    }

    /// <summary>
    /// Calls <paramref name="changed"/> with a port whose route changed (<c>PUBLISH entrance:changed tcp:&lt;port&gt;</c>, or
    /// a keyspace event on one of its keys), or with null when every route may have changed (<c>*</c>, a resubscription).
    /// </summary>
    public Task SubscribeAsync(Action<int?> changed)
    {
        var multiplexer = redis.Multiplexer;
        var subscriber = multiplexer.GetSubscriber();
        var keys = redis.Keys;
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                changed(null);
            }
        };

        var tasks = new List<Task>
        {
            subscriber.SubscribeAsync(RedisChannel.Literal(keys.ChangedChannel), (_, message) =>
            {
                var text = ((string?)message)?.Trim();
                if (text == "*")
                {
                    changed(null);
                }
                else if (text is not null && text.StartsWith(Schema.RedisKeys.TcpChangePrefix, StringComparison.OrdinalIgnoreCase)
                         && int.TryParse(text.AsSpan(Schema.RedisKeys.TcpChangePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    changed(port);
                }
            }),
        };

        // CLIENT TRACKING (registered by the route feed with the TCP prefixes too) announces raw writes on a stock Redis
        // without keyspace events: one message per key, null for FLUSHALL/FLUSHDB.
        tasks.Add(subscriber.SubscribeAsync(ClientTracking.Channel, (_, message) =>
        {
            if (message.IsNull)
            {
                changed(null);
            }
            else if (PortOf(keys, ((string)message!).AsSpan()) is { } port)
            {
                changed(port);
            }
        }));

        // Keyspace events are node-local: on a cluster KeyspaceChannel subscribes on every master.
        var keyspacePrefix = $"__keyspace@{redis.Database}__:";
        foreach (var pattern in keys.TcpPatterns)
        {
            tasks.Add(subscriber.SubscribeAsync(redis.KeyspaceChannel(pattern.TrimEnd('*')), (channel, _) =>
            {
                var text = (string?)channel;
                if (text is not null && PortOf(keys, text.AsSpan(keyspacePrefix.Length)) is { } port)
                {
                    changed(port);
                }
            }));
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>The listening port a TCP route key belongs to (<c>entrance:tcp:30001</c> → 30001), or null for any other key.</summary>
    public static int? PortOf(Schema.RedisKeys keys, ReadOnlySpan<char> key)
    {
        if (!key.StartsWith(keys.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        key = key[keys.Prefix.Length..];
        ReadOnlySpan<string> parts = [Schema.RedisKeys.TcpBackendsPart, Schema.RedisKeys.TcpSettingsPart, Schema.RedisKeys.TcpDeadPart];
        foreach (var part in parts)
        {
            if (key.StartsWith(part, StringComparison.Ordinal)
                && int.TryParse(Schema.RedisKeys.Untagged(key[part.Length..]), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                && port is > 0 and <= 65535)
            {
                return port;
            }
        }

        return null;
    }

    private static TcpRouteRecord? ToRecord(int port, RedisValue[] members, HashEntry[] settings, SortedSetEntry[] dead)
    {
        if (members.Length == 0)
        {
            return null;
        }

        var backends = new string[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            backends[i] = (string)members[i]!;
        }

        Array.Sort(backends, StringComparer.Ordinal); // a SET has no order: sort so every router sees the same list
        var map = new Dictionary<string, string>(settings.Length, StringComparer.Ordinal);
        foreach (var entry in settings)
        {
            map[(string)entry.Name!] = (string)entry.Value!;
        }

        var deadUntil = new Dictionary<string, long>(dead.Length, StringComparer.Ordinal);
        foreach (var mark in dead)
        {
            deadUntil[(string)mark.Element!] = mark.Score >= DeadMarks.NeverExpires ? long.MaxValue : (long)mark.Score;
        }

        return new TcpRouteRecord(port, backends, map, deadUntil);
    }
}
