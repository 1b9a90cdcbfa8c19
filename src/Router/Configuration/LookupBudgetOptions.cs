namespace Entrance.Router.Configuration;

/// <summary>
/// <c>Entrance:LookupBudget</c>: how many cache misses for hosts without a known route may go to Redis, per client
/// address and per router (token buckets: a rate per second and a burst). Over either, the request gets a fast
/// 503 <c>lookup-budget</c> with <c>Retry-After</c> without Redis. A rate of 0 switches that budget off.
/// Refreshes of hosts with a cached route are never charged: their number is bounded by the routes, not by clients.
/// </summary>
public sealed class LookupBudgetOptions
{
    /// <summary>Misses per second one client address may cause (IPv6 counts per /64). Behind an HTTP load balancer without PROXY protocol every client shares its address: raise or set 0.</summary>
    public double PerClientPerSecond { get; set; } = 100;

    /// <summary>Misses one client address may cause at once after being idle.</summary>
    public double PerClientBurst { get; set; } = 1_000;

    /// <summary>Misses per second this router may send to Redis, whatever the client.</summary>
    public double PerRouterPerSecond { get; set; } = 5_000;

    /// <summary>Misses this router may send at once (a cold start fills the cache from here).</summary>
    public double PerRouterBurst { get; set; } = 50_000;

    /// <summary>Client buckets (rounded up to a power of two); addresses hash into them, so a flood from many addresses cannot grow memory.</summary>
    public int ClientSlots { get; set; } = 4_096;

    /// <summary>The <c>Retry-After</c> seconds of the over-budget answer.</summary>
    public int RetryAfterSeconds { get; set; } = 1;
}
