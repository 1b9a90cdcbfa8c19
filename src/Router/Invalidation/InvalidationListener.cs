using Entrance.Core.Store;
using Entrance.Router.Metrics;
using Entrance.Router.Routing;
using Entrance.Router.Tls;

namespace Entrance.Router.Invalidation;

/// <summary>
/// Subscribes to <c>entrance:changed</c> and to keyspace events of the route and certificate keys, and invalidates the
/// route cache and the certificate cache (a certificate change touches only the latter; "everything" both).
/// Update sources only write Redis; this is the one way changes reach the registry besides the TTL.
/// </summary>
public sealed class InvalidationListener(
    IRouteChangeFeed feed,
    RedisConnection connection,
    Microsoft.Extensions.Options.IOptions<Configuration.EntranceOptions> options,
    RouteCache cache,
    CertificateCache certificates,
    RouterMetrics metrics,
    TimeProvider time,
    ILogger<InvalidationListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How often a connection that does not come up is diagnosed again (each check makes connections of its own).</summary>
    private static readonly TimeSpan DiagnoseEvery = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often Redis's keyspace-event flags are read again (they can be switched at run time), and a cluster's masters
    /// listed again (one added by resharding must be subscribed on).
    /// </summary>
    public static readonly TimeSpan KeyspaceRecheck = TimeSpan.FromSeconds(15);

    /// <summary>How often the tracking registration is checked: a local comparison of connection ids, no Redis command.</summary>
    public static readonly TimeSpan TrackingCheck = TimeSpan.FromSeconds(1);

    private readonly object _pushedGate = new();
    private volatile bool _subscribed;
    private volatile bool _keyspaceEvents;
    private volatile bool _tracking;
    private int _keyspaceChecks;

    /// <summary>How many times the keyspace-event flags were read, so a test can tell a check that ran from one that did not.</summary>
    public int KeyspaceChecks => Volatile.Read(ref _keyspaceChecks);

    /// <summary>Whether the last check found keyspace events on (false also when unknown or not checked yet).</summary>
    public bool KeyspaceEvents => _keyspaceEvents;

    /// <summary>Whether CLIENT TRACKING is registered, so raw writes reach this router without keyspace events.</summary>
    public bool Tracking => _tracking;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SubscribeThenWatchKeyspaceAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (or a start that failed elsewhere), possibly with a Redis call in flight: not a failure of this service.
        }
    }

    private async Task SubscribeThenWatchKeyspaceAsync(CancellationToken stoppingToken)
    {
        var diagnosedAt = long.MinValue;
        var problem = string.Empty;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await feed.SubscribeAsync(OnChange).ConfigureAwait(false);
                _subscribed = true;
                logger.LogInformation("Subscribed to route invalidations");
                break;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Cannot subscribe to invalidations yet ({Reason}); routes refresh by TTL until then", ex.Message);
                if (diagnosedAt == long.MinValue || time.GetElapsedTime(diagnosedAt) >= DiagnoseEvery)
                {
                    diagnosedAt = time.GetTimestamp();
                    problem = await ReportConnectProblemAsync(problem).ConfigureAwait(false);
                }

                await Task.Delay(RetryDelay, time, stoppingToken).ConfigureAwait(false);
            }
        }

        var tracking = options.Value.ClientTracking ? TrackAsync(stoppingToken) : Task.CompletedTask;

        // Keyspace events can be switched off at run time: look again now and then, warn once per change.
        bool? reported = true;
        using var timer = new PeriodicTimer(KeyspaceRecheck, time);
        do
        {
            if (await feed.RefreshTopologyAsync().ConfigureAwait(false))
            {
                logger.LogInformation("The Redis Cluster's masters changed; subscribed on the new ones, refreshing every route");
                OnChange(new RouteChange(RouteChangeKind.All, null, RouteChangeOrigin.Connection));
            }

            var enabled = await feed.KeyspaceEventsEnabledAsync().ConfigureAwait(false);
            _keyspaceEvents = enabled == true;
            UpdatePushed();
            Interlocked.Increment(ref _keyspaceChecks);
            if (enabled != reported && enabled != true && !_tracking)
            {
                logger.LogWarning(
                    "Redis keyspace notifications are {State}: writes without PUBLISH entrance:changed reach this router only after the cache TTL. Set notify-keyspace-events Kghlszx (see redis/redis.conf)",
                    enabled is null ? "unknown (CONFIG is not allowed, or Redis is unreachable)" : "off");
            }

            reported = enabled;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        await tracking.ConfigureAwait(false);
    }

    /// <summary>
    /// Names the step that fails (the library's own message says "authentication failure" whoever refused), once per
    /// distinct problem: a refused password is an error to fix, not an outage to wait out.
    /// </summary>
    private async Task<string> ReportConnectProblemAsync(string reported)
    {
        RedisConnectProblem? problem;
        try
        {
            problem = await connection.DiagnoseAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Redis connection check failed");
            return reported;
        }

        if (problem is null || problem.Message == reported)
        {
            return problem?.Message ?? reported;
        }

        if (problem.CredentialsRefused)
        {
            logger.LogError("Redis refused this router's credentials: {Problem}. Fix Entrance:Redis (docs/redis-schema.md, \"Sentinel, replicas, ACL and TLS\")", problem.Message);
        }
        else
        {
            logger.LogError("Redis cannot be reached: {Problem}", problem.Message);
        }

        return problem.Message;
    }

    /// <summary>
    /// Keeps CLIENT TRACKING registered for the current connections: after any reconnect or failover the ids change and it
    /// is registered again, then everything is refreshed (writes in between were not announced).
    /// </summary>
    private async Task TrackAsync(CancellationToken stoppingToken)
    {
        var reported = string.Empty;
        var wait = TrackingCheck;
        while (!stoppingToken.IsCancellationRequested)
        {
            var result = await feed.EnsureTrackingAsync().ConfigureAwait(false);
            switch (result.State)
            {
                case TrackingState.Registered:
                    logger.LogInformation("CLIENT TRACKING registered on {Node}: raw writes to route keys invalidate at once", result.Detail);
                    _tracking = true;
                    OnChange(new RouteChange(RouteChangeKind.Resubscribed, null, RouteChangeOrigin.Tracking));
                    wait = TrackingCheck;
                    break;
                case TrackingState.NotYet:
                    _tracking = false;
                    UpdatePushed();
                    break;
                case TrackingState.Unsupported:
                    _tracking = false;
                    UpdatePushed();
                    if (result.Detail != reported)
                    {
                        logger.LogWarning("CLIENT TRACKING is not available ({Reason}); raw writes rely on keyspace events or the cache TTL", result.Detail);
                        reported = result.Detail;
                    }

                    wait = KeyspaceRecheck; // a failover may bring a server that has it; no need to ask every second
                    break;
            }

            await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
        }
    }

    private void UpdatePushed()
    {
        // The keyspace check and the tracking loop both call this; reading the flags and applying the result under one
        // lock keeps a caller that read them earlier from applying its older answer after a newer one.
        lock (_pushedGate)
        {
            var pushed = _subscribed && (_keyspaceEvents || _tracking);
            cache.SetChangesPushed(pushed);
            certificates.SetChangesPushed(pushed);
        }
    }

    private void OnChange(RouteChange change)
    {
        metrics.Invalidation(
            change.Kind switch
            {
                RouteChangeKind.Route => "route",
                RouteChangeKind.Certificate => "certificate",
                RouteChangeKind.All => "all",
                RouteChangeKind.Resubscribed => "resubscribed",
                _ => "subscription_lost",
            },
            change.Origin switch
            {
                RouteChangeOrigin.Publish => "publish",
                RouteChangeOrigin.Keyspace => "keyspace",
                RouteChangeOrigin.Tracking => "tracking",
                _ => "connection",
            });
        switch (change.Kind)
        {
            case RouteChangeKind.SubscriptionLost when change.Origin == RouteChangeOrigin.Tracking:
                logger.LogWarning("CLIENT TRACKING connection lost; cached routes are stale until it is registered again");
                _tracking = false;
                UpdatePushed();
                cache.Invalidate(new RouteChange(RouteChangeKind.All, null, RouteChangeOrigin.Tracking));
                certificates.Invalidate(null);
                return;
            case RouteChangeKind.Resubscribed when change.Origin == RouteChangeOrigin.Tracking:
                UpdatePushed();
                break;
            case RouteChangeKind.SubscriptionLost:
                logger.LogWarning("Invalidation subscription lost; routes refresh by TTL until it is back");
                _subscribed = false;
                UpdatePushed();
                return;
            case RouteChangeKind.Resubscribed:
                logger.LogWarning("Invalidation subscription restored; invalidations may have been missed, refreshing every route");
                _subscribed = true;
                UpdatePushed();
                break;
            case RouteChangeKind.Certificate:
                certificates.Invalidate(change.RouteName);
                return;
        }

        if (change.Kind != RouteChangeKind.Route)
        {
            certificates.Invalidate(null);
        }

        cache.Invalidate(change);
    }
}
