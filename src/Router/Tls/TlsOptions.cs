namespace Entrance.Router.Tls;

/// <summary>The <c>Entrance:Tls</c> configuration section (the listeners themselves are <c>Entrance:HttpsUrls</c>).</summary>
public sealed class TlsOptions
{
    public const string Section = "Entrance:Tls";

    /// <summary>PEM files of the certificate for handshakes without SNI or for names with none in Redis; unset: self-signed at start.</summary>
    public DefaultCertificateOptions DefaultCertificate { get; set; } = new();

    /// <summary>Refuse handshakes without SNI or for names with no usable certificate instead of serving the default one.</summary>
    public bool RejectUnknownNames { get; set; }

    /// <summary>Most server names (certificates and "none") held in the certificate cache.</summary>
    public int CacheSizeLimit { get; set; } = 20_000;

    /// <summary>How long a client may take to finish its TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the warning about one name's unusable certificate is repeated while it stays unusable.</summary>
    public TimeSpan ProblemLogInterval { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class DefaultCertificateOptions
{
    public string? CertificatePath { get; set; }
    public string? KeyPath { get; set; }

    /// <summary>
    /// How often the files are read again, so a renewed certificate (a Kubernetes Secret volume, certbot) is served
    /// without a restart; zero reads them once.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);
}
