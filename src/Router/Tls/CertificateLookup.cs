namespace Entrance.Router.Tls;

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
