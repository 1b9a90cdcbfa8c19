using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Entrance.Testing;

/// <summary>A certificate with its key, and both as the PEM text stored in Redis (<c>chain</c> leaf first, then the CA; <c>key</c> PKCS#8).</summary>
public sealed record TestCertificate(X509Certificate2 Certificate, string ChainPem, string KeyPem)
{
    public string Thumbprint => Certificate.Thumbprint;

    /// <summary>Only the leaf, without intermediates.</summary>
    public string LeafPem => Certificate.ExportCertificatePem();
}

/// <summary>
/// Test certificates: a throwaway CA and leaves it signs (exact names, wildcards, expired, with a key that does not
/// match), exported as PEM. Clients trust <see cref="CaPem"/> (or validate with <see cref="IsIssuedByCa"/>).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates(string caName = "Entrance Test CA")
    {
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Ca = request.CreateSelfSigned(now.AddDays(-30), now.AddYears(5));
    }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A leaf for <paramref name="dnsNames"/> (the first is the CN), signed by the CA, valid now unless told otherwise.</summary>
    public TestCertificate Leaf(string[] dnsNames, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var now = DateTimeOffset.UtcNow;
        var from = notBefore ?? now.AddDays(-1);
        var to = notAfter ?? now.AddDays(90);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), from, to, serial);
        var withKey = signed.CopyWithPrivateKey(key);
        var chain = withKey.ExportCertificatePem() + "\n" + CaPem + "\n";
        return new TestCertificate(withKey, chain, key.ExportPkcs8PrivateKeyPem());
    }

    public TestCertificate Leaf(string dnsName) => Leaf([dnsName]);

    /// <summary>A leaf for <c>*.<paramref name="parent"/></c>.</summary>
    public TestCertificate Wildcard(string parent) => Leaf(["*." + parent]);

    /// <summary>A leaf whose validity ended yesterday.</summary>
    public TestCertificate Expired(string dnsName) =>
        Leaf([dnsName], DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow.AddDays(-1));

    /// <summary>A leaf stored with another key's PEM: loading must refuse it.</summary>
    public TestCertificate MismatchedKey(string dnsName)
    {
        var leaf = Leaf(dnsName);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return leaf with { KeyPem = other.ExportPkcs8PrivateKeyPem() };
    }

    /// <summary>Whether a server certificate chains to this CA (for HttpClient's validation callback).</summary>
    public bool IsIssuedByCa(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>Writes the CA to a PEM file (for curl's <c>--cacert</c>); returns its path.</summary>
    public string WriteCaFile(string directory)
    {
        var path = Path.Combine(directory, "ca.pem");
        File.WriteAllText(path, CaPem);
        return path;
    }

    /// <summary>A self-signed pair as PEM (no CA), for tests that only store, parse or compare certificates.</summary>
    public static (string Chain, string Key) SelfSigned(DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsNames[0], key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(notBefore, notAfter);
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A self-signed pair valid from yesterday for 60 days.</summary>
    public static (string Chain, string Key) SelfSigned(params string[] dnsNames) =>
        SelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60), dnsNames);

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
