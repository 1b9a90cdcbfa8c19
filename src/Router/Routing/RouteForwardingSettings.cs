using Entrance.Core.Schema;
using Entrance.Router.Proxy;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Routing;

/// <summary>
/// A route's forwarding limits and options (<c>connect_timeout</c>, <c>backend_timeout</c>, <c>max_body</c>,
/// <c>preserve_host</c>), parsed once per cache fill. Absent or bad values leave the global settings in force (bad ones
/// are named in <see cref="Problem"/>, logged by the cache). A route without any of them shares <see cref="None"/>, and
/// the request path then uses the shared config and transformer as before.
/// </summary>
public sealed class RouteForwardingSettings
{
    public static readonly RouteForwardingSettings None = new();

    private (ForwarderRequestConfig Shared, ForwarderRequestConfig Config)? _config;
    private HttpTransformer? _transformer;

    private RouteForwardingSettings()
    {
    }

    /// <summary>How long connecting to a backend may take; null for the global <c>ConnectTimeout</c>.</summary>
    public TimeSpan? ConnectTimeout { get; private init; }

    /// <summary>How long a backend may stay silent; null for the global <c>BackendTimeout</c>.</summary>
    public TimeSpan? BackendTimeout { get; private init; }

    /// <summary>Largest request body in bytes (0: no limit); null for the global limit.</summary>
    public long? MaxBody { get; private init; }

    /// <summary>False when <c>preserve_host 0</c>: the backend sees its own host:port as Host, not the client's.</summary>
    public bool PreserveHost { get; private init; } = true;

    /// <summary>What was wrong with the settings; null when nothing.</summary>
    public string? Problem { get; private init; }

    public static RouteForwardingSettings From(IReadOnlyDictionary<string, string> settings)
    {
        if (settings.Count == 0 || !(settings.ContainsKey(RedisKeys.ConnectTimeoutField) || settings.ContainsKey(RedisKeys.BackendTimeoutField)
                                     || settings.ContainsKey(RedisKeys.MaxBodyField) || settings.ContainsKey(RedisKeys.PreserveHostField)))
        {
            return None;
        }

        List<string>? problems = null;
        string? Valid(string field)
        {
            if (!settings.TryGetValue(field, out var value) || value.Trim().Length == 0)
            {
                return null;
            }

            if (ForwardingSettings.Check(field, value) is { } problem)
            {
                (problems ??= []).Add(problem + "; ignored");
                return null;
            }

            return value;
        }

        TimeSpan? connect = Valid(RedisKeys.ConnectTimeoutField) is { } c && ForwardingSettings.TryParseDuration(c, out var ct) ? ct : null;
        TimeSpan? backend = Valid(RedisKeys.BackendTimeoutField) is { } b && ForwardingSettings.TryParseDuration(b, out var bt) ? bt : null;
        long? maxBody = Valid(RedisKeys.MaxBodyField) is { } m && ForwardingSettings.TryParseSize(m, out var mb) ? mb : null;
        var preserveHost = Valid(RedisKeys.PreserveHostField)?.Trim() != "0";
        if (connect is null && backend is null && maxBody is null && preserveHost && problems is null)
        {
            return None;
        }

        return new RouteForwardingSettings
        {
            ConnectTimeout = connect,
            BackendTimeout = backend,
            MaxBody = maxBody,
            PreserveHost = preserveHost,
            Problem = problems is null ? null : string.Join("; ", problems),
        };
    }

    /// <summary>The forwarder config for this route: the shared one, or a copy with the route's backend timeout (made once per fill).</summary>
    public ForwarderRequestConfig RequestConfig(ForwarderRequestConfig shared)
    {
        if (BackendTimeout is not { } timeout)
        {
            return shared;
        }

        // One copy per route for the protocol it last used: a host mixing h2c and HTTP/1.1 backends makes a new one on a switch.
        var cached = _config;
        if (cached is not null && ReferenceEquals(cached.Value.Shared, shared))
        {
            return cached.Value.Config;
        }

        var config = shared with { ActivityTimeout = timeout };
        _config = (shared, config);
        return config;
    }

    /// <summary>The transformer for this route: the shared one, or a wrapper applying the connect timeout and Host (made once per fill).</summary>
    public HttpTransformer Transformer(HttpTransformer shared) =>
        ConnectTimeout is null && PreserveHost ? shared : _transformer ??= new RouteTransformer(shared, ConnectTimeout, PreserveHost);
}
