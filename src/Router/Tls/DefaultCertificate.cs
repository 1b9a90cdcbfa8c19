using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entrance.Core.Certificates;
using Entrance.Hosting.Startup;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tls;

/// <summary>
/// The certificate for handshakes without SNI or for names with no usable certificate: <c>Entrance:Tls:DefaultCertificate</c>'s
/// PEM files, else a self-signed one made at start (logged once).
/// </summary>
public sealed class DefaultCertificate
{
    public const string SelfSignedSubject = "CN=Entrance default certificate";

    public DefaultCertificate(IOptions<TlsOptions> options, ILogger<DefaultCertificate> logger)
    {
        var o = options.Value.DefaultCertificate;
        if (string.IsNullOrWhiteSpace(o.CertificatePath) != string.IsNullOrWhiteSpace(o.KeyPath))
        {
            throw new StartupConfigurationException("Entrance:Tls:DefaultCertificate needs both CertificatePath and KeyPath");
        }

        if (!string.IsNullOrWhiteSpace(o.CertificatePath))
        {
            Certificate = ServerCertificate.Create("default", Load(o.CertificatePath, o.KeyPath!));
            logger.LogInformation("Default TLS certificate {Subject} (not after {NotAfter:u}) from {Path}",
                Certificate.Info.Subject, Certificate.Info.NotAfter, o.CertificatePath);
            return;
        }

        Certificate = ServerCertificate.Create("default", SelfSigned());
        logger.LogWarning("No Entrance:Tls:DefaultCertificate configured: handshakes without SNI or for names with no certificate get a self-signed one ({Thumbprint})",
            Certificate.Info.Thumbprint);
    }

    public ServerCertificate Certificate { get; }

    private static LoadedCertificate Load(string certificatePath, string keyPath)
    {
        try
        {
            return CertificatePem.Load(File.ReadAllText(certificatePath), File.ReadAllText(keyPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CertificateProblemException)
        {
            throw new StartupConfigurationException($"Entrance:Tls:DefaultCertificate cannot be used ({certificatePath}, {keyPath}): {ex.Message}", ex);
        }
    }

    private static LoadedCertificate SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SelfSignedSubject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("entrance.invalid");
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        var leaf = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return new LoadedCertificate(leaf, []);
    }
}
