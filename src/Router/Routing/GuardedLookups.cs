using Entrance.Core.Store;
using Entrance.Router.Configuration;

namespace Entrance.Router.Routing;

/// <summary>
/// Redis lookups behind a <see cref="StoreCircuitBreaker"/> and a <see cref="LookupLimiter"/>, shared by the route and
/// certificate caches: fail fast while the breaker is open or Redis is disconnected, at most <c>MaxConcurrentLookups</c>
/// at once, and every lookup that entered reports its outcome so a half-open breaker's probe is never left taken.
/// </summary>
public sealed class GuardedLookups(StoreCircuitBreaker breaker, LookupLimiter limiter) : IDisposable
{
    /// <summary>A breaker and a limiter of their own, from <c>Entrance:StoreBreaker</c>, <c>MaxConcurrentLookups</c> and <c>RedisTimeout</c>.</summary>
    public static GuardedLookups From(EntranceOptions o, TimeProvider time) => new(
        new StoreCircuitBreaker(o.StoreBreaker.Threshold, o.StoreBreaker.BreakDuration, time),
        new LookupLimiter(o.MaxConcurrentLookups, o.RedisTimeout, time));

    public bool BreakerOpen => breaker.IsOpen;

    /// <summary>
    /// Runs <paramref name="lookup"/> for <paramref name="name"/>. Throws <see cref="RouteStoreUnavailableException"/>
    /// at once when Redis is not connected, the breaker is open or too many lookups are in flight.
    /// </summary>
    public async Task<TResult> RunAsync<TState, TResult>(bool connected, string name, TState state, Func<TState, string, Task<TResult>> lookup)
    {
        if (!connected || !breaker.TryEnter())
        {
            throw new RouteStoreUnavailableException(connected ? "Redis circuit open" : "Redis is not connected");
        }

        if (!await limiter.TryEnterAsync().ConfigureAwait(false))
        {
            breaker.Abandon();
            throw new RouteStoreUnavailableException($"too many Redis lookups in flight for {name}");
        }

        try
        {
            var result = await lookup(state, name).ConfigureAwait(false);
            breaker.Success();
            return result;
        }
        catch (RouteStoreUnavailableException)
        {
            breaker.Failure();
            throw;
        }
        catch
        {
            breaker.Success(); // Redis answered (an error about the data): the store is up
            throw;
        }
        finally
        {
            limiter.Exit();
        }
    }

    public void Dispose() => limiter.Dispose();
}
