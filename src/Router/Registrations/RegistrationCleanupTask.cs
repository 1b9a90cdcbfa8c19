using Entrance.Core.Store;
using Entrance.Router.Fleet;

namespace Entrance.Router.Registrations;

/// <summary>
/// The fleet leader's sweep of expired registrations (<c>route add --ttl</c>), every <see cref="Interval"/>. Routers never
/// pick an expired backend even before this runs (resolve.lua hands them the time left by Redis's clock); the sweep
/// removes the leftovers from Redis so listings stay true and the sets stay small.
/// </summary>
public sealed class RegistrationCleanupTask(RegistrationExpiry expiry, TimeProvider time, ILogger<RegistrationCleanupTask> logger) : IFleetTask
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private long _lastRunMs = long.MinValue;

    public string Name => "registration-cleanup";

    public async Task RunAsync(Func<bool> stillLeading, CancellationToken cancellationToken)
    {
        var now = Routing.MonotonicClock.GetMonotonicMs(time);
        if (_lastRunMs != long.MinValue && now - _lastRunMs < (long)Interval.TotalMilliseconds)
        {
            return;
        }

        _lastRunMs = now;
        try
        {
            foreach (var route in await expiry.RemoveExpiredAsync(stillLeading, cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("Registration of {Count} backend(s) of {Route} expired; removed: {Urls}", route.Urls.Count, route.RouteName, string.Join(", ", route.Urls));
            }
        }
        catch (RouteStoreUnavailableException ex)
        {
            logger.LogDebug("Registration cleanup skipped: {Reason}", ex.Message); // nothing written; the next run retries
        }
    }
}
