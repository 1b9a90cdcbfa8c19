namespace Entrance.Core.Store;

/// <summary>The router's read side of the route schema.</summary>
public interface IRouteStore
{
    /// <summary>
    /// Resolves a normalised host in one round trip: exact name, wildcards, catch-all; native before hipache.
    /// Returns null when no route matches. Throws <see cref="RouteStoreUnavailableException"/> when the store cannot answer.
    /// </summary>
    Task<RouteRecord?> ResolveAsync(string host, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks one backend of a route dead until <paramref name="expiresAtUnixMs"/>, where every router sees it
    /// (<c>entrance:dead:&lt;host&gt;</c>, or hipache's <c>dead:&lt;host&gt;</c>), and publishes hipache's <c>dead</c> event.
    /// </summary>
    Task MarkDeadAsync(RouteRecord route, int index, long expiresAtUnixMs, CancellationToken cancellationToken = default);

    /// <summary>True while the store's connection is up.</summary>
    bool IsConnected { get; }
}

/// <summary>
/// A change notification: a route name changed, a certificate name changed (<see cref="RouteChangeKind.Certificate"/>,
/// the name in <see cref="RouteName"/>), everything changed, or the feed may have missed changes.
/// </summary>
public readonly record struct RouteChange(RouteChangeKind Kind, string? RouteName, RouteChangeOrigin Origin);

public enum RouteChangeKind
{
    /// <summary>One route name changed (it may be a wildcard or the catch-all).</summary>
    Route,

    /// <summary>One certificate name changed (<c>PUBLISH entrance:changed cert:&lt;name&gt;</c>, or a write to <c>entrance:cert:&lt;name&gt;</c>).</summary>
    Certificate,

    /// <summary>Everything may have changed, certificates included (<c>PUBLISH entrance:changed *</c>).</summary>
    All,

    /// <summary>The subscription came back after a drop: changes may have been missed meanwhile.</summary>
    Resubscribed,

    /// <summary>The subscription dropped: until it is back, nothing is pushed.</summary>
    SubscriptionLost,
}

public enum RouteChangeOrigin
{
    Publish,
    Keyspace,
    Connection,

    /// <summary>CLIENT TRACKING's <c>__redis__:invalidate</c>, or its registration lost or made again.</summary>
    Tracking,
}

/// <summary>The stream of invalidations routers listen to.</summary>
public interface IRouteChangeFeed
{
    /// <summary>Subscribes to invalidations (PUBLISH and keyspace events); the handler runs on the store's thread and must be quick.</summary>
    Task SubscribeAsync(Action<RouteChange> handler);

    /// <summary>
    /// Whether Redis emits the keyspace events the feed relies on; null when it cannot be told (CONFIG is disabled).
    /// </summary>
    Task<bool?> KeyspaceEventsEnabledAsync();

    /// <summary>
    /// Registers CLIENT TRACKING (broadcast mode, the route and certificate key prefixes) when it is not registered for
    /// the current connections; a local check otherwise. Call after <see cref="SubscribeAsync"/>, and again now and then.
    /// </summary>
    Task<TrackingResult> EnsureTrackingAsync() => Task.FromResult(TrackingResult.Unsupported("not a Redis feed"));

    /// <summary>
    /// On a Redis Cluster, asks for its masters again so keyspace subscriptions and tracking extend to a master added
    /// since (the client library otherwise meets it only when a command is redirected to it). True when the masters
    /// changed: writes on a new one before its subscriptions were not announced.
    /// </summary>
    Task<bool> RefreshTopologyAsync() => Task.FromResult(false);
}

public sealed class RouteStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
