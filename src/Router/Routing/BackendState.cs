namespace Entrance.Router.Routing;

/// <summary>
/// One backend URL at one weight as the router sees it: shared by every route that gives it that weight, so in-flight
/// counts are per backend (a URL weighted differently by two routes has one state per weight).
/// </summary>
public sealed class BackendState
{
    private readonly TimeProvider _time;
    private int _inFlight;
    private long _lastUsedMs;

    public BackendState(string url, TimeProvider? time = null, int weight = 1)
    {
        Url = url;
        Weight = weight;
        IsHttps = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        IsH2c = url.StartsWith(H2cScheme + "://", StringComparison.OrdinalIgnoreCase);
        ForwardPrefix = IsH2c ? "http" + url[H2cScheme.Length..] : url;
        _time = time ?? TimeProvider.System;
        _lastUsedMs = _time.GetMonotonicMs();
    }

    /// <summary>The scheme of a backend reached with cleartext HTTP/2 and prior knowledge (gRPC services, mostly).</summary>
    public const string H2cScheme = "h2c";

    /// <summary>The backend's base URL, also YARP's destination prefix.</summary>
    public string Url { get; }

    /// <summary>An https:// backend: forwarded through a TLS client of <c>BackendClients</c>.</summary>
    public bool IsHttps { get; }

    /// <summary>An h2c:// backend: forwarded as HTTP/2 with prior knowledge to the same address over http://.</summary>
    public bool IsH2c { get; }

    /// <summary>The destination prefix given to the forwarder: the URL itself, or for h2c:// the same address with http://.</summary>
    public string ForwardPrefix { get; }

    /// <summary>Its share of its routes' traffic relative to the others' (<c>entrance:weights</c>; 1 by default); 0: drained, never picked while another can be.</summary>
    public int Weight { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>When a request last entered, on the registry's clock; idle states are swept by it.</summary>
    internal long LastUsedMs => Volatile.Read(ref _lastUsedMs);

    public void Enter()
    {
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _lastUsedMs, _time.GetMonotonicMs());
    }

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    public static bool IsValidUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == H2cScheme)
        && uri.Host.Length > 0;
}
