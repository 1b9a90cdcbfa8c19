using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entrance.Core.Certificates;
using Entrance.Hosting.Startup;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tls;

/// <summary>
/// The certificate for handshakes without SNI or for names with no usable certificate: <c>Entrance:Tls:DefaultCertificate</c>'s
/// PEM files, else a self-signed one made at start (logged once). The files are read again by <see cref="Reload"/>
/// (every <see cref="DefaultCertificateOptions.ReloadInterval"/>): a changed, usable pair is served from the next
/// handshake on; an unusable one (half written, key and certificate not matching, expired) keeps the current
/// certificate, with a warning once per distinct content.
/// </summary>
public sealed class DefaultCertificate
{
    public const string SelfSignedSubject = "CN=Entrance default certificate";

    private readonly DefaultCertificateOptions _files;
    private readonly TimeProvider _time;
    private readonly ILogger<DefaultCertificate> _logger;
    private volatile ServerCertificate _certificate;
    private byte[] _loadedHash = [];
    private byte[] _refusedHash = [];
    private byte[] _unusableHash = [];

    public DefaultCertificate(IOptions<TlsOptions> options, TimeProvider time, ILogger<DefaultCertificate> logger)
    {
        _files = options.Value.DefaultCertificate;
        _time = time;
        _logger = logger;
        if (string.IsNullOrWhiteSpace(_files.CertificatePath) != string.IsNullOrWhiteSpace(_files.KeyPath))
        {
            throw new StartupConfigurationException("Entrance:Tls:DefaultCertificate needs both CertificatePath and KeyPath");
        }

        if (FromFiles)
        {
            string chain, key;
            try
            {
                (chain, key) = (File.ReadAllText(_files.CertificatePath!), File.ReadAllText(_files.KeyPath!));
                _certificate = ServerCertificate.Create("default", CertificatePem.Load(chain, key));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CertificateProblemException)
            {
                throw new StartupConfigurationException($"Entrance:Tls:DefaultCertificate cannot be used ({_files.CertificatePath}, {_files.KeyPath}): {ex.Message}", ex);
            }

            _loadedHash = SharedCertificates.Fingerprint(chain, key);
            logger.LogInformation("Default TLS certificate {Subject} (not after {NotAfter:u}) from {Path}",
                _certificate.Info.Subject, _certificate.Info.NotAfter, _files.CertificatePath);
            return;
        }

        _certificate = ServerCertificate.Create("default", SelfSigned());
        logger.LogWarning("No Entrance:Tls:DefaultCertificate configured: handshakes without SNI or for names with no certificate get a self-signed one ({Thumbprint})",
            _certificate.Info.Thumbprint);
    }

    public ServerCertificate Certificate => _certificate;

    /// <summary>Whether the certificate comes from files (and so can be reloaded).</summary>
    public bool FromFiles => !string.IsNullOrWhiteSpace(_files.CertificatePath);

    /// <summary>Reads the files again; true when a changed, usable pair replaced the certificate served.</summary>
    public bool Reload()
    {
        if (!FromFiles)
        {
            return false;
        }

        string chain, key;
        try
        {
            (chain, key) = (File.ReadAllText(_files.CertificatePath!), File.ReadAllText(_files.KeyPath!));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RefuseOnce(SharedCertificates.Fingerprint(ex.Message, string.Empty), ex.Message);
            return false;
        }

        var hash = SharedCertificates.Fingerprint(chain, key);
        if (hash.AsSpan().SequenceEqual(_loadedHash) || hash.AsSpan().SequenceEqual(_unusableHash))
        {
            return false; // served already, or unusable whatever the time and unchanged
        }

        LoadedCertificate loaded;
        try
        {
            loaded = CertificatePem.Load(chain, key);
        }
        catch (CertificateProblemException ex)
        {
            _unusableHash = hash;
            RefuseOnce(hash, ex.Message);
            return false;
        }

        // Not skipped next time: a certificate not valid yet (clock skew) becomes usable as it is.
        if (loaded.IsExpired(_time.GetUtcNow()))
        {
            RefuseOnce(hash, $"the certificate is not valid now ({loaded.Info.NotBefore:u} to {loaded.Info.NotAfter:u})");
            loaded.Dispose();
            return false;
        }

        if (ServerCertificate.TryCreate("default", loaded, out var problem) is not { } certificate)
        {
            _unusableHash = hash;
            RefuseOnce(hash, problem!);
            return false;
        }

        _certificate = certificate;
        _loadedHash = hash;
        _logger.LogInformation("Default TLS certificate reloaded: {Subject} (not after {NotAfter:u}) from {Path}",
            loaded.Info.Subject, loaded.Info.NotAfter, _files.CertificatePath);
        return true;
    }

    private void RefuseOnce(byte[] hash, string reason)
    {
        if (!hash.AsSpan().SequenceEqual(_refusedHash))
        {
            _refusedHash = hash;
            _logger.LogWarning("Default TLS certificate files ({Path}, {KeyPath}) not used, still serving {Subject}: {Reason}",
                _files.CertificatePath, _files.KeyPath, _certificate.Info.Subject, reason);
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
