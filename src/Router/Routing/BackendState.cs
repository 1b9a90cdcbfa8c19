namespace Entrance.Router.Routing;

/// <summary>One backend URL as the router sees it: shared by every host that routes to it, so in-flight counts are per backend.</summary>
public sealed class BackendState
{
    private readonly TimeProvider _time;
    private int _inFlight;
    private long _lastUsedMs;

    public BackendState(string url, TimeProvider? time = null)
    {
        Url = url;
        _time = time ?? TimeProvider.System;
        _lastUsedMs = _time.GetMonotonicMs();
    }

    /// <summary>The backend's base URL, also YARP's destination prefix.</summary>
    public string Url { get; }

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
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host.Length > 0;
}
