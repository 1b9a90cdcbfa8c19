using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>The lease one router holds to do fleet-wide work (<c>entrance:fleet-leader</c>), one Lua script per call.</summary>
public interface IFleetLeaseStore
{
    /// <summary>Takes the lease when free, renews it when <paramref name="holderId"/> holds it; true when it holds it now.</summary>
    Task<bool> AcquireAsync(string holderId, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Drops the lease if <paramref name="holderId"/> still holds it.</summary>
    Task ReleaseAsync(string holderId, CancellationToken cancellationToken = default);

    /// <summary>The id of the current holder, or null.</summary>
    Task<string?> HolderAsync(CancellationToken cancellationToken = default);
}

/// <inheritdoc />
public sealed class FleetLeaseStore(RedisConnection redis) : IFleetLeaseStore
{
    public async Task<bool> AcquireAsync(string holderId, TimeSpan lease, CancellationToken cancellationToken = default) =>
        (int)await RunAsync("acquire", holderId, lease, cancellationToken).ConfigureAwait(false) == 1;

    public async Task ReleaseAsync(string holderId, CancellationToken cancellationToken = default) =>
        await RunAsync("release", holderId, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);

    public async Task<string?> HolderAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await redis.Db.StringGetAsync(redis.Keys.FleetLease).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not answer for the fleet lease: {ex.Message}", ex);
        }
    }

    private async Task<RedisResult> RunAsync(string op, string holderId, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            RedisValue[] args = [op, holderId, Math.Max(1, (long)lease.TotalMilliseconds)];
            return await RedisScript.FleetLease.EvaluateAsync(redis.Db, [redis.Keys.FleetLease], args).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not answer for the fleet lease: {ex.Message}", ex);
        }
    }
}
