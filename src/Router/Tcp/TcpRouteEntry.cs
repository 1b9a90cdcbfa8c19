using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Entrance.Core.Store;

namespace Entrance.Router.Tcp;

/// <summary>One backend of a TCP route: its address as written and where to connect.</summary>
public sealed class TcpBackend(string address, EndPoint endPoint, TcpBackendLoad load)
{
    public string Address { get; } = address;

    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Open connections to this backend on this router (least-connections reads it); shared across cache refills.</summary>
    public TcpBackendLoad Load { get; } = load;

    /// <summary><c>host:port</c>, <c>1.2.3.4:5</c> or <c>[::1]:5</c>; null when it is none of these.</summary>
    public static EndPoint? ParseEndPoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return null;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return null; // an IPv6 address needs its brackets
        }

        if (IPAddress.TryParse(host, out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        return Uri.CheckHostName(host) == UriHostNameType.Dns ? new DnsEndPoint(host, port) : null;
    }
}

public sealed class TcpBackendLoad
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    public void Enter() => Interlocked.Increment(ref _open);

    public void Exit() => Interlocked.Decrement(ref _open);
}

/// <summary>
/// What this router keeps per listening port across cache refills: open connections (the route limit), the
/// round-robin position, per-backend load and the dead marks this router made itself (honoured even while Redis is down).
/// </summary>
public sealed class TcpPortState(int port)
{
    private int _open;
    private uint _next;

    public int Port { get; } = port;

    public string PortText { get; } = port.ToString(CultureInfo.InvariantCulture);

    public int Open => Volatile.Read(ref _open);

    public ConcurrentDictionary<string, TcpBackendLoad> Loads { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, long> LocalDeadUntil { get; } = new(StringComparer.Ordinal);

    /// <summary>Takes a connection slot unless <paramref name="max"/> (0: none) are open already.</summary>
    public bool TryEnter(int max)
    {
        if (Interlocked.Increment(ref _open) > max && max > 0)
        {
            Interlocked.Decrement(ref _open);
            return false;
        }

        return true;
    }

    public void Exit() => Interlocked.Decrement(ref _open);

    public uint NextRoundRobin() => Interlocked.Increment(ref _next);
}

/// <summary>A TCP route as this router uses it: parsed backends, settings and dead marks, made once per cache fill.</summary>
public sealed class TcpRouteEntry
{
    public TcpRouteEntry(TcpRouteRecord record, TcpPortState state, TcpOptions defaults, ILogger logger)
    {
        Record = record;
        State = state;
        Settings = TcpRouteSettings.Parse(record.Settings, defaults);
        foreach (var problem in Settings.Problems)
        {
            logger.LogWarning("TCP route {Port}: {Problem}; using the default", record.Port, problem);
        }

        var backends = new List<TcpBackend>(record.Backends.Count);
        foreach (var address in record.Backends)
        {
            if (TcpBackend.ParseEndPoint(address) is { } endPoint)
            {
                backends.Add(new TcpBackend(address, endPoint, state.Loads.GetOrAdd(address, static _ => new TcpBackendLoad())));
            }
            else
            {
                logger.LogWarning("TCP route {Port} has an invalid backend {Backend} (want host:port); skipped", record.Port, address);
            }
        }

        Backends = [.. backends];
        RelayOptions = new TcpRelayOptions { IdleTimeout = Settings.IdleTimeout };
    }

    public TcpRouteRecord Record { get; }

    public TcpPortState State { get; }

    public TcpRouteSettings Settings { get; }

    public TcpBackend[] Backends { get; }

    public TcpRelayOptions RelayOptions { get; }

    public bool IsDead(TcpBackend backend, long nowUnixMs) =>
        (Record.Dead.TryGetValue(backend.Address, out var marked) && marked > nowUnixMs)
        || (State.LocalDeadUntil.TryGetValue(backend.Address, out var until) && until > nowUnixMs);

    /// <summary>
    /// The backends to try, in order: the policy's pick first, then the others. Live ones only, unless every backend is
    /// marked dead: then all of them (a dead mark may be stale; refusing every client would be worse).
    /// </summary>
    public TcpBackend[] Order(long nowUnixMs)
    {
        var live = Backends.Where(b => !IsDead(b, nowUnixMs)).ToArray();
        if (live.Length == 0)
        {
            live = [.. Backends];
        }

        if (live.Length <= 1)
        {
            return live;
        }

        var first = Settings.Balancing switch
        {
            TcpBalancing.Random => Random.Shared.Next(live.Length),
            TcpBalancing.LeastConnections => LeastLoaded(live),
            _ => (int)(State.NextRoundRobin() % (uint)live.Length),
        };
        var ordered = new TcpBackend[live.Length];
        for (var i = 0; i < live.Length; i++)
        {
            ordered[i] = live[(first + i) % live.Length];
        }

        return ordered;
    }

    private int LeastLoaded(TcpBackend[] live)
    {
        // Ties broken from a rotating start, so equal backends share new connections instead of the first taking all.
        var start = (int)(State.NextRoundRobin() % (uint)live.Length);
        var best = start;
        for (var i = 1; i < live.Length; i++)
        {
            var j = (start + i) % live.Length;
            if (live[j].Load.Open < live[best].Load.Open)
            {
                best = j;
            }
        }

        return best;
    }
}
