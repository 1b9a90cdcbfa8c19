using System.Net;
using Entrance.Router.Configuration;

namespace Entrance.Router.Routing;

/// <summary>Which budget turned a miss away.</summary>
public enum BudgetScope
{
    /// <summary>Within both budgets: the miss may go to Redis.</summary>
    None,

    /// <summary>The client address spent its own budget.</summary>
    Client,

    /// <summary>The router's budget is spent.</summary>
    Router,
}

/// <summary>
/// Token buckets for cache misses that go to Redis: one per client address slot and one for the router, on the injected
/// clock. Client addresses hash (seeded per process, IPv6 by /64) into a fixed array, so a flood from spoofed or many
/// addresses costs no memory; colliding addresses share a bucket. A client over its own budget does not touch the
/// router's, so one client cannot spend it for the others.
/// </summary>
public sealed class LookupBudget
{
    private readonly Bucket? _router;
    private readonly Bucket[]? _clients;
    private readonly int _mask;
    private readonly TimeProvider _time;
    private long _clientRejections;
    private long _routerRejections;

    public LookupBudget(LookupBudgetOptions options, TimeProvider time)
    {
        _time = time;
        var now = time.GetMonotonicMs();
        if (options.PerRouterPerSecond > 0)
        {
            _router = new Bucket(options.PerRouterPerSecond, options.PerRouterBurst, now);
        }

        if (options.PerClientPerSecond > 0)
        {
            var slots = (int)Math.Min(1 << 20, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, options.ClientSlots)));
            _clients = new Bucket[slots];
            for (var i = 0; i < slots; i++)
            {
                _clients[i] = new Bucket(options.PerClientPerSecond, options.PerClientBurst, now);
            }

            _mask = slots - 1;
        }
    }

    /// <summary>Misses turned away because their client was over its budget.</summary>
    public long ClientRejections => Interlocked.Read(ref _clientRejections);

    /// <summary>Misses turned away because the router was over its budget.</summary>
    public long RouterRejections => Interlocked.Read(ref _routerRejections);

    /// <summary>Takes one miss from <paramref name="client"/>'s budget (none for null) and the router's, or says which is spent.</summary>
    public BudgetScope TryTake(IPAddress? client)
    {
        var now = _time.GetMonotonicMs();
        var own = client is null || _clients is null ? null : _clients[Slot(client) & _mask];
        if (own is not null && !own.TryTake(now))
        {
            Interlocked.Increment(ref _clientRejections);
            return BudgetScope.Client;
        }

        if (_router is not null && !_router.TryTake(now))
        {
            own?.Refund();
            Interlocked.Increment(ref _routerRejections);
            return BudgetScope.Router;
        }

        return BudgetScope.None;
    }

    /// <summary>The address's bucket hash: IPv4 (mapped or not) whole, IPv6 by its /64, which one holder usually has entirely.</summary>
    internal static int Slot(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        var hash = new HashCode(); // randomly seeded per process: nobody can aim at another client's bucket
        hash.AddBytes(bytes[..Math.Min(written, 8)]);
        return hash.ToHashCode();
    }

    private sealed class Bucket(double perSecond, double burst, long nowMs)
    {
        private readonly Lock _gate = new();
        private readonly double _perMs = perSecond / 1000;
        private readonly double _burst = Math.Max(1, burst);
        private double _tokens = Math.Max(1, burst);
        private long _lastMs = nowMs;

        public bool TryTake(long nowMs)
        {
            lock (_gate)
            {
                if (nowMs > _lastMs)
                {
                    _tokens = Math.Min(_burst, _tokens + (nowMs - _lastMs) * _perMs);
                    _lastMs = nowMs;
                }

                if (_tokens < 1)
                {
                    return false;
                }

                _tokens--;
                return true;
            }
        }

        public void Refund()
        {
            lock (_gate)
            {
                _tokens = Math.Min(_burst, _tokens + 1);
            }
        }
    }
}
