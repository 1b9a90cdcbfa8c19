using Entrance.Core.Store;
using Entrance.Router.Routing;

namespace Entrance.Router.Invalidation;

/// <summary>
/// Subscribes to <c>entrance:changed</c> and to keyspace events of the route keys, and invalidates the cache.
/// Update sources only write Redis; this is the one way changes reach the registry besides the TTL.
/// </summary>
public sealed class InvalidationListener(IRouteChangeFeed feed, RouteCache cache, ILogger<InvalidationListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await feed.SubscribeAsync(OnChange).ConfigureAwait(false);
                logger.LogInformation("Subscribed to route invalidations");
                break;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Cannot subscribe to invalidations yet ({Reason}); routes refresh by TTL until then", ex.Message);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
            }
        }

        var enabled = await feed.KeyspaceEventsEnabledAsync().ConfigureAwait(false);
        if (enabled != true)
        {
            logger.LogWarning(
                "Redis keyspace notifications are {State}: writes without PUBLISH entrance:changed reach this router only after the cache TTL. Set notify-keyspace-events Kghlszx (see redis/redis.conf)",
                enabled is null ? "unknown (CONFIG is not allowed)" : "off");
        }
    }

    private void OnChange(RouteChange change)
    {
        if (change.Kind == RouteChangeKind.Resubscribed)
        {
            logger.LogWarning("Invalidation subscription restored; invalidations may have been missed, refreshing every route");
        }

        cache.Invalidate(change);
    }
}
