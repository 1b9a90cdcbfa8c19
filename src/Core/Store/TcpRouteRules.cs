using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Entrance.Core.Schema;

namespace Entrance.Core.Store;

/// <summary>
/// What a TCP route may hold (docs/redis-schema.md, TCP routes): its port, <c>host:port</c> backends and settings.
/// Every writer checks here first, so nothing invalid reaches Redis from the CLI, apply files or the Syncer.
/// </summary>
public static class TcpRouteRules
{
    public const string LbField = "lb";
    public const string ProxyProtocolField = "proxy_protocol";
    public const string IdleTimeoutField = "idle_timeout";
    public const string ConnectTimeoutField = "connect_timeout";
    public const string MaxConnectionsField = "max_connections";

    public static readonly string[] Policies = ["random", "round-robin", "least-connections"];
    public static readonly string[] ProxyProtocols = ["v1", "v2"];
    public static readonly string[] Fields = [LbField, ProxyProtocolField, IdleTimeoutField, ConnectTimeoutField, MaxConnectionsField];

    public static bool TryPort(string? raw, out int port, out string error)
    {
        error = string.Empty;
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535)
        {
            return true;
        }

        error = $"invalid TCP port \"{raw}\": must be a number from 1 to 65535";
        return false;
    }

    /// <summary>A backend as stored: <c>host:port</c> with an IPv4 address, a DNS name (lower-cased) or a bracketed IPv6 address.</summary>
    public static bool TryBackend(string? raw, out string backend, out string error)
    {
        backend = string.Empty;
        error = $"invalid TCP backend \"{raw}\": must be host:port, as in 10.0.0.5:5432, db.internal:5432 or [fd00::5]:5432";
        if (string.IsNullOrEmpty(raw) || raw.Length > 300)
        {
            return false;
        }

        var colon = raw.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(raw.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = raw[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            backend = $"[{v6}]:{port}";
            return true;
        }

        if (host.Contains(':'))
        {
            return false; // an unbracketed IPv6 address is ambiguous with its port
        }

        if (IsIPv4(host))
        {
            if (!IPAddress.TryParse(host, out var v4))
            {
                return false;
            }

            backend = $"{v4}:{port}";
            return true;
        }

        if (!IsDnsName(host))
        {
            return false;
        }

        backend = $"{host.TrimEnd('.').ToLowerInvariant()}:{port}";
        return true;
    }

    /// <summary>A settings value for a known field; an empty value means "delete the field".</summary>
    public static bool TrySetting(string field, string value, out string error)
    {
        error = string.Empty;
        if (value.Length == 0 && Fields.Contains(field))
        {
            return true;
        }

        var ok = field switch
        {
            LbField => Policies.Contains(value),
            ProxyProtocolField => ProxyProtocols.Contains(value),
            IdleTimeoutField => value == "0" || IsDuration(value), // 0: never (as the routers read it)
            ConnectTimeoutField => IsDuration(value),
            MaxConnectionsField => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0,
            _ => false,
        };
        if (ok)
        {
            return true;
        }

        error = field switch
        {
            LbField => $"invalid lb \"{value}\": must be one of {string.Join(", ", Policies)}",
            ProxyProtocolField => $"invalid proxy_protocol \"{value}\": must be v1 or v2",
            IdleTimeoutField => $"invalid idle_timeout \"{value}\": must be a duration like 30s, 10m or 1h, or 0 for never",
            ConnectTimeoutField => $"invalid connect_timeout \"{value}\": must be a duration like 250ms, 5s or 1m",
            MaxConnectionsField => $"invalid max_connections \"{value}\": must be a whole number greater than 0",
            _ => $"unknown TCP setting \"{field}\": known ones are {string.Join(", ", Fields)}",
        };
        return false;
    }

    /// <summary>Every error of a whole route, empty when it may be written.</summary>
    public static IReadOnlyList<string> Check(TcpRouteSpec spec)
    {
        var errors = new List<string>();
        if (spec.Port is < 1 or > 65535)
        {
            errors.Add($"invalid TCP port {spec.Port}: must be from 1 to 65535");
        }

        foreach (var backend in spec.Backends)
        {
            if (!TryBackend(backend, out var normal, out var error) || normal != backend)
            {
                errors.Add(error.Length > 0 ? error : $"TCP backend \"{backend}\" is not in its stored form \"{normal}\"");
            }
        }

        foreach (var (field, value) in spec.Settings)
        {
            if (!TrySetting(field, value, out var error))
            {
                errors.Add(error);
            }
        }

        return errors;
    }

    /// <summary>A positive duration as every setting writes one (<see cref="SettingDuration"/>): <c>250ms</c>, <c>5s</c>, <c>1m</c>.</summary>
    public static bool IsDuration(string value) => SettingDuration.TryParse(value, out var d) && d > TimeSpan.Zero;

    private static bool IsIPv4(string host) => host.Length > 0 && host.All(c => char.IsAsciiDigit(c) || c == '.') && host.Count(c => c == '.') == 3;

    private static bool IsDnsName(string host)
    {
        if (host.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in host.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }

        return !host.All(c => char.IsAsciiDigit(c) || c == '.'); // all digits is a malformed address, not a name
    }
}
