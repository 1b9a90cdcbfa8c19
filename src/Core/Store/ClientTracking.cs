using System.Net;
using System.Reflection;
using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// Zero-config invalidation (Redis 6+): <c>CLIENT TRACKING on REDIRECT &lt;subscription id&gt; BCAST PREFIX ...</c> for every
/// route and certificate key prefix, so any write to those keys, raw redis-cli included, is announced on the
/// subscription connection as a <c>__redis__:invalidate</c> message. Needs no <c>notify-keyspace-events</c> and no CONFIG.
/// </summary>
/// <remarks>
/// RESP2 with REDIRECT, not RESP3 pushes: StackExchange.Redis 3.4 drops RESP3 <c>invalidate</c> pushes (there is no public
/// push hook; measured), while under RESP2 it delivers <c>__redis__:invalidate</c> as an ordinary channel message, one
/// call per key, and a null message for FLUSHALL. So the connection is made with RESP2 (<see cref="RedisConnection"/>).
/// The redirect target's client id is only known to the library (an internal <c>GetConnectionId</c>, read by reflection
/// below; a test pins it). The registration belongs to the interactive connection of the node the subscription lives on:
/// whichever connection is replaced (reconnect, failover, replica choice), the ids change and <see cref="EnsureAsync"/>
/// registers again; a reconnect to a restarted server can reuse ids, so connection events also mark it stale.
/// </remarks>
internal sealed class ClientTracking(ConnectionMultiplexer redis, RedisKeys keys)
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("__redis__:invalidate");

    private static readonly MethodInfo? ConnectionIdMethod = typeof(ConnectionMultiplexer).Assembly
        .GetType("StackExchange.Redis.IInternalConnectionMultiplexer")?.GetMethod("GetConnectionId", [typeof(EndPoint), typeof(ConnectionType)]);

    private readonly object _gate = new();
    private (EndPoint Node, long Interactive, long Subscription)? _registered;
    private string? _clusterRegistered;
    private volatile bool _stale = true;

    /// <summary>
    /// The key prefixes announced: every route key pattern (so new route key kinds follow), TCP routes and certificates.
    /// BCAST refuses a prefix that overlaps another (one a prefix of the other); these never do (a test pins it).
    /// </summary>
    public string[] Prefixes { get; } = [.. keys.RoutePatterns.Concat(keys.TcpPatterns).Append(keys.CertificatePattern).Select(p => p.TrimEnd('*')).Distinct()];

    /// <summary>True while a registration is believed live (set by <see cref="EnsureAsync"/>, cleared by <see cref="MarkLost"/>).</summary>
    public bool Active
    {
        get
        {
            lock (_gate)
            {
                return _registered is not null && !_stale;
            }
        }
    }

    /// <summary>A connection of the tracking node failed or came back: the registration must be made again.</summary>
    /// <returns>Whether a live registration was lost.</returns>
    public bool MarkLost()
    {
        lock (_gate)
        {
            var wasActive = _registered is not null && !_stale;
            _stale = true;
            return wasActive;
        }
    }

    /// <summary>
    /// Registers tracking when it is not registered for the current pair of connections. Sends nothing while it is
    /// (a local check), so polling this costs Redis nothing.
    /// </summary>
    public async Task<TrackingResult> EnsureAsync()
    {
        if (ConnectionIdMethod is null)
        {
            return TrackingResult.Unsupported("this StackExchange.Redis does not expose connection ids");
        }

        if (keys.HashTags)
        {
            return await EnsureClusterAsync().ConfigureAwait(false);
        }

        var subscriber = redis.GetSubscriber();
        var node = subscriber.SubscribedEndpoint(Channel);
        if (node is null || ConnectionId(node, ConnectionType.Interactive) is not { } interactive
            || ConnectionId(node, ConnectionType.Subscription) is not { } subscription)
        {
            return TrackingResult.NotYet("not subscribed");
        }

        lock (_gate)
        {
            if (!_stale && _registered == (node, interactive, subscription))
            {
                return TrackingResult.Unchanged;
            }

            _stale = false;
        }

        var registered = await RegisterAsync(node, subscription).ConfigureAwait(false);
        if (registered is not null)
        {
            return registered;
        }

        lock (_gate)
        {
            _registered = (node, interactive, subscription);
        }

        return TrackingResult.Registered(node.ToString() ?? "?");
    }

    /// <summary>
    /// Redis Cluster: tracking is node-local, so every master tracks the prefixes for writes to its own slots and
    /// redirects to this client's subscription connection on that same master (in pub/sub mode thanks to the keyspace
    /// channels subscribed on every node). Registered again when any master's pair of connections changed.
    /// </summary>
    private async Task<TrackingResult> EnsureClusterAsync()
    {
        var nodes = new List<(EndPoint Node, long Interactive, long Subscription)>();
        foreach (var server in redis.GetServers().Where(s => s.ServerType == ServerType.Cluster && !s.IsReplica))
        {
            if (!server.IsConnected || ConnectionId(server.EndPoint, ConnectionType.Interactive) is not { } interactive
                || ConnectionId(server.EndPoint, ConnectionType.Subscription) is not { } subscription)
            {
                return TrackingResult.NotYet($"not subscribed on {server.EndPoint}");
            }

            nodes.Add((server.EndPoint, interactive, subscription));
        }

        if (nodes.Count == 0)
        {
            return TrackingResult.NotYet("no master");
        }

        var signature = string.Join(",", nodes.Select(n => $"{n.Node}/{n.Interactive}/{n.Subscription}").Order(StringComparer.Ordinal));
        lock (_gate)
        {
            if (!_stale && _clusterRegistered == signature)
            {
                return TrackingResult.Unchanged;
            }

            _stale = false;
        }

        foreach (var (node, _, subscription) in nodes)
        {
            if (await RegisterAsync(node, subscription).ConfigureAwait(false) is { } failed)
            {
                return failed;
            }
        }

        lock (_gate)
        {
            _registered = nodes[0];
            _clusterRegistered = signature;
        }

        return TrackingResult.Registered(string.Join(",", nodes.Select(n => n.Node.ToString())));
    }

    /// <summary>Registers BCAST tracking on <paramref name="node"/>'s interactive connection; null when done, else why not.</summary>
    private async Task<TrackingResult?> RegisterAsync(EndPoint node, long subscription)
    {
        var server = redis.GetServer(node);
        if (server.Version.Major < 6)
        {
            return TrackingResult.Unsupported($"Redis {server.Version} has no CLIENT TRACKING (6.0+)");
        }

        var args = new List<object> { "TRACKING", "on", "REDIRECT", subscription, "BCAST" };
        foreach (var prefix in Prefixes)
        {
            args.Add("PREFIX");
            args.Add(prefix);
        }

        try
        {
            // Off first: BCAST refuses a prefix it already tracks. Writes between the two are covered by the flush that
            // follows every registration.
            await server.ExecuteAsync("CLIENT", "TRACKING", "off").ConfigureAwait(false);
            await server.ExecuteAsync("CLIENT", [.. args]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            lock (_gate)
            {
                _stale = true;
            }

            return ex is RedisServerException refused && refused.Message.StartsWith("NOPERM", StringComparison.Ordinal)
                ? TrackingResult.Unsupported($"refused: {ex.Message}")
                : TrackingResult.NotYet(ex.Message);
        }

        return null;
    }

    private long? ConnectionId(EndPoint node, ConnectionType type) => (long?)ConnectionIdMethod!.Invoke(redis, [node, type]);
}

/// <summary>The outcome of one <see cref="IRouteChangeFeed.EnsureTrackingAsync"/> call.</summary>
/// <param name="State">Registered now, still registered, not possible yet (retry), or not possible at all.</param>
/// <param name="Detail">The node registered on, or why not.</param>
public sealed record TrackingResult(TrackingState State, string Detail)
{
    public static readonly TrackingResult Unchanged = new(TrackingState.Unchanged, string.Empty);

    public static TrackingResult Registered(string node) => new(TrackingState.Registered, node);

    public static TrackingResult NotYet(string why) => new(TrackingState.NotYet, why);

    public static TrackingResult Unsupported(string why) => new(TrackingState.Unsupported, why);
}

public enum TrackingState
{
    /// <summary>Registered just now: changes may have been missed before, the caller refreshes everything.</summary>
    Registered,

    /// <summary>Still registered for the same connections.</summary>
    Unchanged,

    /// <summary>Not now (not connected or subscribed yet, or the command failed): try again.</summary>
    NotYet,

    /// <summary>Never on this server (Redis before 6.0, no right to CLIENT TRACKING, or disabled).</summary>
    Unsupported,
}
