using System.Net;
using Entrance.Hosting.Startup;

namespace Entrance.Router.Proxy;

/// <summary>
/// <c>Entrance:TrustedProxies</c>: the peers (load balancers) whose forwarding headers and PROXY protocol headers are
/// believed. Empty by default: nobody is trusted, so a client cannot claim another address.
/// </summary>
public sealed class TrustedProxies
{
    public const string Key = "Entrance:TrustedProxies";

    private readonly IPNetwork[] _networks;

    public TrustedProxies(IEnumerable<IPNetwork> networks) => _networks = [.. networks];

    public static TrustedProxies None { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>True when <paramref name="peer"/> is in a trusted network (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    public bool Contains(IPAddress? peer)
    {
        if (peer is null || _networks.Length == 0)
        {
            return false;
        }

        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }

        foreach (var network in _networks)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The client a request is accounted to: from a trusted peer (an HTTP load balancer in front), the address it
    /// reports last in X-Forwarded-For (the one it saw); otherwise, or when that is no address, the peer itself.
    /// </summary>
    public IPAddress? ReportedClient(IPAddress? peer, Microsoft.Extensions.Primitives.StringValues forwardedFor)
    {
        if (forwardedFor.Count == 0 || !Contains(peer))
        {
            return peer;
        }

        var last = forwardedFor[forwardedFor.Count - 1].AsSpan();
        var comma = last.LastIndexOf(',');
        return IPAddress.TryParse((comma >= 0 ? last[(comma + 1)..] : last).Trim(), out var client) ? client : peer;
    }

    /// <summary>
    /// Reads the list: array items (<c>Entrance:TrustedProxies:0</c>…) and/or one comma-separated value. A bare address
    /// means that one host. Throws <see cref="StartupConfigurationException"/> (exit 2) for anything not a CIDR.
    /// </summary>
    public static TrustedProxies From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Key);
        var items = new List<string>();
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            items.Add(section.Value);
        }

        items.AddRange(section.GetChildren().Select(c => c.Value).OfType<string>());
        var networks = new List<IPNetwork>();
        foreach (var text in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            networks.Add(Parse(text));
        }

        return networks.Count == 0 ? None : new TrustedProxies(networks);
    }

    private static IPNetwork Parse(string text)
    {
        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        if (IPAddress.TryParse(text, out var address) && !text.Contains('/'))
        {
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        throw new StartupConfigurationException($"{Key}: '{text}' is not a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)");
    }
}
