using System.Security.Cryptography;
using System.Text;
using Entrance.Core.Store;
using Entrance.Hosting.Startup;

namespace Entrance.Router.Proxy;

/// <summary>
/// Loop detection. Every forwarded request gets a <c>Via</c> entry naming this router fleet and the host it was routed
/// for: <c>Via: 1.1 &lt;fleet id&gt; (&lt;host&gt;)</c>. A request that arrives carrying this fleet's entry for the same host
/// has already been routed here once — a route points back at the routers — and is answered 508 at once, instead of
/// looping until its headers overflow.
/// </summary>
/// <remarks>
/// The fleet id (<c>Entrance:FleetId</c>) defaults to a hash of the Redis endpoints and key prefix: routers sharing
/// routes share it, and two fleets in a chain (an edge fleet in front of a platform fleet) differ, so neither sees the
/// other's entry as its own. The host is part of the mark so that an app behind the fleet that itself proxies to
/// another host on the same fleet, copying <c>Via</c> as nginx does, is not taken for a loop.
/// </remarks>
public sealed class LoopGuard
{
    public const string Key = "Entrance:FleetId";

    private readonly string _prefix11;
    private readonly string _prefix2;

    public LoopGuard(string fleetId)
    {
        FleetId = fleetId;
        _prefix11 = "1.1 " + fleetId + " (";
        _prefix2 = "2 " + fleetId + " (";
    }

    /// <summary>The <c>received-by</c> pseudonym this fleet writes in <c>Via</c>.</summary>
    public string FleetId { get; }

    public static LoopGuard From(IConfiguration configuration)
    {
        var id = configuration[Key]?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            // Endpoints and prefix only: the password and other options never leave the router, not even hashed.
            var redis = configuration["Entrance:Redis"] ?? "localhost:6379";
            var endpoints = string.Join(',', RedisConnection.Endpoints(redis)); // a redis:// URL carries its password too
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(endpoints + "|" + configuration["Entrance:KeyPrefix"]));
            return new LoopGuard("entrance-" + Convert.ToHexStringLower(hash.AsSpan(0, 6)));
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                throw new StartupConfigurationException($"{Key}: '{id}' must be letters, digits, '-', '.' or '_' (it is written in the Via header)");
            }
        }

        return new LoopGuard(id);
    }

    /// <summary>This fleet's <c>Via</c> entry for a request routed for <paramref name="host"/> (one small string per request).</summary>
    public string ViaEntry(HttpRequest request, string host) =>
        string.Concat(HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol) ? _prefix11 : _prefix2, host, ")");

    /// <summary>True when the request already carries this fleet's entry for <paramref name="host"/>. Free without a <c>Via</c> header.</summary>
    public bool HasLooped(HttpRequest request, string host)
    {
        var via = request.Headers.Via;
        if (via.Count == 0)
        {
            return false;
        }

        foreach (var value in via)
        {
            if (value is not null && Contains(value, host))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a <c>Via</c> value lists <c>&lt;protocol&gt; &lt;fleet id&gt; (&lt;host&gt;)</c>.</summary>
    internal bool Contains(ReadOnlySpan<char> value, string host)
    {
        foreach (var range in value.Split(','))
        {
            var entry = value[range].Trim();
            var space = entry.IndexOf(' ');
            if (space < 0)
            {
                continue;
            }

            var rest = entry[(space + 1)..].TrimStart();
            if (!rest.StartsWith(FleetId, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var comment = rest[FleetId.Length..].Trim();
            if (comment.Length == host.Length + 2 && comment[0] == '(' && comment[^1] == ')'
                && comment[1..^1].Equals(host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
