using Entrance.Core.Store;

namespace Entrance.Router.Tcp;

/// <summary>
/// Pushes TCP route changes into <see cref="TcpRouteCache"/>: <c>PUBLISH entrance:changed tcp:&lt;port&gt;</c> (or <c>*</c>)
/// keyspace events on <c>entrance:tcp:*</c>, <c>entrance:tcp-settings:*</c>, <c>entrance:tcp-dead:*</c>, and CLIENT TRACKING
/// invalidations of those keys (a stock Redis, raw writes). Without them, changes arrive within <c>Entrance:CacheTtl</c>.
/// </summary>
public sealed class TcpInvalidation(TcpRouteStore store, TcpRouteCache cache, TimeProvider time, ILogger<TcpInvalidation> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.SubscribeAsync(cache.Invalidate).ConfigureAwait(false);
                cache.Invalidate(null); // changes made before the subscription took hold
                cache.ChangesSubscribed();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Cannot subscribe to TCP route invalidations yet ({Reason}); TCP routes refresh by TTL until then", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
