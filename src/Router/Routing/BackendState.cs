namespace Entrance.Router.Routing;

/// <summary>One backend URL as the router sees it: shared by every host that routes to it, so in-flight counts are per backend.</summary>
public sealed class BackendState
{
    private int _inFlight;
    private long _lastUsedMs;

    public BackendState(string url)
    {
        Url = url;
        _lastUsedMs = Environment.TickCount64;
    }

    /// <summary>The backend's base URL, also YARP's destination prefix.</summary>
    public string Url { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    internal long LastUsedMs => Volatile.Read(ref _lastUsedMs);

    public void Enter()
    {
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _lastUsedMs, Environment.TickCount64);
    }

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    public static bool IsValidUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host.Length > 0;
}
