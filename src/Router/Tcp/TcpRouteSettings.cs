using System.Globalization;
using Entrance.Core.Schema;

namespace Entrance.Router.Tcp;

/// <summary>Load-balancing policies of TCP routes (setting <c>lb</c>).</summary>
public enum TcpBalancing
{
    RoundRobin,
    Random,
    LeastConnections,
}

/// <summary>PROXY protocol header sent to a route's backends (setting <c>proxy_protocol</c>).</summary>
public enum ProxyHeaderVersion
{
    None,
    V1,
    V2,
}

/// <summary>
/// A TCP route's settings HASH, parsed once per cache fill. A value that cannot be used falls back to the default and
/// is reported in <see cref="Problems"/> (logged, shown on <c>/routes/tcp/…</c>) rather than failing the route.
/// </summary>
public sealed record TcpRouteSettings(
    TcpBalancing Balancing,
    ProxyHeaderVersion ProxyProtocol,
    TimeSpan IdleTimeout,
    TimeSpan ConnectTimeout,
    int MaxConnections,
    IReadOnlyList<string> Problems)
{
    public const string ProxyProtocolField = "proxy_protocol";
    public const string IdleTimeoutField = "idle_timeout";
    public const string MaxConnectionsField = "max_connections";

    public static TcpRouteSettings Parse(IReadOnlyDictionary<string, string> fields, TcpOptions defaults)
    {
        var problems = new List<string>();
        var balancing = TcpBalancing.RoundRobin;
        if (fields.TryGetValue(RedisKeys.LbField, out var lb))
        {
            balancing = lb.Trim().ToLowerInvariant() switch
            {
                "round-robin" or "roundrobin" or "rr" => TcpBalancing.RoundRobin,
                "random" => TcpBalancing.Random,
                "least-connections" or "leastconn" or "least-conn" => TcpBalancing.LeastConnections,
                _ => Problem(problems, $"lb '{lb}' is not round-robin, random or least-connections", TcpBalancing.RoundRobin),
            };
        }

        var proxy = ProxyHeaderVersion.None;
        if (fields.TryGetValue(ProxyProtocolField, out var pp))
        {
            proxy = pp.Trim().ToLowerInvariant() switch
            {
                "v1" or "1" => ProxyHeaderVersion.V1,
                "v2" or "2" => ProxyHeaderVersion.V2,
                "" or "0" or "off" or "none" => ProxyHeaderVersion.None,
                _ => Problem(problems, $"proxy_protocol '{pp}' is not v1 or v2", ProxyHeaderVersion.None),
            };
        }

        var idle = Duration(fields, IdleTimeoutField, defaults.IdleTimeout, allowZero: true, problems);
        var connect = Duration(fields, RedisKeys.ConnectTimeoutField, defaults.ConnectTimeout, allowZero: false, problems);
        var max = defaults.MaxConnectionsPerRoute;
        if (fields.TryGetValue(MaxConnectionsField, out var m))
        {
            max = int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : Problem(problems, $"max_connections '{m}' is not a whole number", max);
        }

        return new TcpRouteSettings(balancing, proxy, idle, connect, max, problems);
    }

    private static TimeSpan Duration(IReadOnlyDictionary<string, string> fields, string field, TimeSpan fallback, bool allowZero, List<string> problems)
    {
        if (!fields.TryGetValue(field, out var text))
        {
            return fallback;
        }

        var value = TimeSpan.Zero;
        return (text.Trim() == "0" || SettingDuration.TryParse(text, out value)) && (allowZero || value > TimeSpan.Zero)
            ? value
            : Problem(problems, $"{field} '{text}' is not a duration like 250ms, 5s or 1m", fallback);
    }

    private static T Problem<T>(List<string> problems, string problem, T fallback)
    {
        problems.Add(problem);
        return fallback;
    }
}
