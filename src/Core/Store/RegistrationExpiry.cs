using Entrance.Core.Hosts;
using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>One route name's backends removed because their registration TTL passed.</summary>
public sealed record ExpiredRegistrations(string RouteName, IReadOnlyList<string> Urls);

/// <summary>
/// Cleanup of registrations whose TTL passed (<c>route add --ttl</c>): finds every <c>entrance:expiry:*</c> with SCAN and
/// removes the expired backends of each route name in one script run (SREM and ZREM together, by Redis's clock, then
/// PUBLISH). Routers already skip expired backends; this keeps Redis tidy and <c>route list</c> truthful.
/// </summary>
public sealed class RegistrationExpiry(RedisConnection redis)
{
    /// <param name="mayWrite">Asked before each route name's write: false stops the sweep (the caller lost its lease).</param>
    public async Task<IReadOnlyList<ExpiredRegistrations>> RemoveExpiredAsync(Func<bool> mayWrite, CancellationToken cancellationToken = default)
    {
        var keys = redis.Keys;
        var removed = new List<ExpiredRegistrations>();
        try
        {
            await foreach (var name in KeyScan.RouteNamesAsync(redis, RedisKeys.ExpiryPart).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (!mayWrite())
                {
                    break;
                }

                var (host, prefix) = RoutePath.Split(name);
                RedisKey[] k =
                [
                    keys.Expiry(name), keys.Backends(name), keys.Weights(name), keys.NativeDead(name), keys.Paths(host), keys.Settings(name),
                ];
                var result = await RedisScript.ExpireRegistrations.EvaluateAsync(redis.Db, k, [name, prefix ?? string.Empty, keys.ChangedChannel]).ConfigureAwait(false);
                var urls = (string[])result!;
                if (urls.Length > 0)
                {
                    removed.Add(new ExpiredRegistrations(name, urls));
                }
            }
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not answer the registration cleanup: {ex.Message}", ex);
        }

        return removed;
    }
}
