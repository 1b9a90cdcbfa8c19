namespace Entrance.Router.Tls;

/// <summary>
/// One cached answer for a server name: its certificate, or null for "none usable" (the default is served). Like the
/// route cache's slot, invalidation marks it stale rather than removing it, so it can be served while Redis is down.
/// </summary>
public sealed class CertificateSlot(ServerCertificate? certificate, long freshUntilMs, long storedAtMs)
{
    private long _freshUntilMs = freshUntilMs;

    public ServerCertificate? Certificate { get; } = certificate;

    public long FreshUntilMs => Volatile.Read(ref _freshUntilMs);

    public long StoredAtMs { get; } = storedAtMs;

    public void MarkStale() => Volatile.Write(ref _freshUntilMs, 0);

    public void CapFreshness(long untilMs)
    {
        long current;
        while ((current = Volatile.Read(ref _freshUntilMs)) > untilMs
               && Interlocked.CompareExchange(ref _freshUntilMs, untilMs, current) != current)
        {
        }
    }
}

/// <summary>Where a handshake's certificate came from (a metric label and the admin report's word).</summary>
public enum CertificateSource
{
    Cache,
    Redis,
    Stale,
    Default,
}

/// <summary>A cache answer: the certificate (null → the default one) and where it came from.</summary>
public readonly record struct CertificateLookup(ServerCertificate? Certificate, CertificateSource Source);
