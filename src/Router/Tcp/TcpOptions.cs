using System.Globalization;
using System.Net;

namespace Entrance.Router.Tcp;

/// <summary>The <c>Entrance:Tcp</c> section: which ports the router relays as L4 TCP routes, and their defaults.</summary>
public sealed class TcpOptions
{
    public const string Section = "Entrance:Tcp";

    /// <summary>Ports and ranges to listen on (<c>5432</c>, <c>30000-30100</c>); a list or one ','-separated string. Empty: no TCP listener.</summary>
    public List<string> Ports { get; set; } = [];

    /// <summary>The address the TCP listeners bind.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>A connection with no byte moving either way this long is closed (route setting <c>idle_timeout</c> overrides).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a backend connect may take before the next backend is tried (route setting <c>connect_timeout</c> overrides).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Open relayed connections on this router, all ports together; a new one beyond is closed at once.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Open connections per route unless its <c>max_connections</c> setting says otherwise; 0: only the router's limit.</summary>
    public int MaxConnectionsPerRoute { get; set; }

    /// <summary>How many ports get their own <c>route</c> label on the TCP metrics (the first seen); the rest count as <c>other</c>.</summary>
    public int RouteLabels { get; set; } = 100;

    /// <summary>
    /// Peers in <c>Entrance:TrustedProxies</c> must open each connection with a PROXY protocol header (v1/v2, HAProxy's
    /// <c>accept-proxy</c>, within <c>Entrance:ProxyProtocolTimeout</c>); its client address is logged and sent on in the
    /// route's own PROXY header. Other peers' bytes are relayed untouched (nothing is awaited: server-first protocols work).
    /// </summary>
    public bool AcceptProxyProtocol { get; set; }

    /// <summary>The accept backlog of each listening socket.</summary>
    public int Backlog { get; set; } = 1024;

    /// <summary>
    /// Binds the section; <c>Ports</c> may be a list (<c>Ports:0</c>, <c>Ports:1</c>) or one string
    /// (<c>--Entrance:Tcp:Ports 30000-30100,5432</c>), which the binder alone would drop.
    /// </summary>
    public void BindFrom(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        section.Bind(this);
        if (section[nameof(Ports)] is { Length: > 0 } single)
        {
            Ports = [single];
        }
    }

    /// <summary>The ports of <see cref="Ports"/>, each once, in order; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public IReadOnlyList<int> ParsePorts()
    {
        var ports = new SortedSet<int>();
        foreach (var item in Ports.SelectMany(p => (p ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            var (first, last) = dash < 0 ? (Port(item, item), Port(item, item)) : (Port(item[..dash].Trim(), item), Port(item[(dash + 1)..].Trim(), item));
            if (last < first)
            {
                throw new FormatException($"{Section}:Ports: range '{item}' ends before it starts");
            }

            if (last - first >= 10_000)
            {
                throw new FormatException($"{Section}:Ports: range '{item}' has more than 10000 ports");
            }

            for (var port = first; port <= last; port++)
            {
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    /// <summary>Every problem with these settings, for start-up validation.</summary>
    public IEnumerable<string> Problems()
    {
        string? portProblem = null;
        try
        {
            ParsePorts();
        }
        catch (FormatException ex)
        {
            portProblem = ex.Message;
        }

        if (portProblem is not null)
        {
            yield return portProblem;
        }

        if (!IPAddress.TryParse(Address, out _))
        {
            yield return $"{Section}:Address '{Address}' is not an IP address";
        }

        if (IdleTimeout < TimeSpan.Zero)
        {
            yield return $"{Section}:IdleTimeout must not be negative (0: no idle timeout)";
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:ConnectTimeout must be positive";
        }

        if (MaxConnections <= 0)
        {
            yield return $"{Section}:MaxConnections must be positive";
        }

        if (MaxConnectionsPerRoute < 0)
        {
            yield return $"{Section}:MaxConnectionsPerRoute must not be negative (0: only the router's limit)";
        }

        if (RouteLabels < 0)
        {
            yield return $"{Section}:RouteLabels must not be negative";
        }

        if (Backlog <= 0)
        {
            yield return $"{Section}:Backlog must be positive";
        }
    }

    private static int Port(string text, string item) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"{Section}:Ports: '{item}' is not a port (1-65535) or a range like 30000-30100");
}
