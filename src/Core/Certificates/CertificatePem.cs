using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Entrance.Core.Certificates;

/// <summary>What an operator wants to see of a certificate: who it names and until when.</summary>
public sealed record CertificateInfo(string Subject, IReadOnlyList<string> DnsNames, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Thumbprint)
{
    public int DaysLeft(DateTimeOffset now) => (int)Math.Floor((NotAfter - now).TotalDays);
}

/// <summary>A stored certificate that cannot be used: unparsable PEM, no certificate, a key that does not match.</summary>
public sealed class CertificateProblemException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A leaf with its private key and the intermediates to send with it.</summary>
public sealed class LoadedCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates) : IDisposable
{
    public X509Certificate2 Leaf { get; } = leaf;
    public X509Certificate2Collection Intermediates { get; } = intermediates;
    public CertificateInfo Info { get; } = CertificatePem.Describe(leaf);

    public bool IsExpired(DateTimeOffset now) => now >= Info.NotAfter || now < Info.NotBefore;

    /// <summary>
    /// Whether handshakes for <paramref name="name"/> may be given this certificate: a host name must match a DNS SAN
    /// (a SAN wildcard covers one label, RFC 6125); a wildcard name <c>*.parent</c> must itself be a SAN.
    /// </summary>
    public bool Covers(string name) =>
        name.StartsWith("*.", StringComparison.Ordinal)
            ? Info.DnsNames.Contains(name, StringComparer.OrdinalIgnoreCase)
            : Leaf.MatchesHostname(name, allowWildcards: true, allowCommonName: false);

    public void Dispose()
    {
        Leaf.Dispose();
        foreach (var c in Intermediates)
        {
            c.Dispose();
        }
    }
}

/// <summary>Parses the PEM pair stored for a certificate name (<c>chain</c>: leaf first, then intermediates; <c>key</c>).</summary>
public static class CertificatePem
{
    public static LoadedCertificate Load(string chainPem, string keyPem)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(chainPem);
        }
        catch (CryptographicException e)
        {
            throw new CertificateProblemException($"the certificate chain is not valid PEM: {e.Message}", e);
        }

        if (all.Count == 0)
        {
            throw new CertificateProblemException("the chain holds no PEM certificate");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            foreach (var c in all)
            {
                c.Dispose();
            }

            throw new CertificateProblemException(
                keyPem.Contains("PRIVATE KEY", StringComparison.Ordinal)
                    ? $"the private key does not match the certificate or cannot be read: {e.Message}"
                    : "the key is not a PEM private key", e);
        }

        all[0].Dispose();
        all.RemoveAt(0);
        return new LoadedCertificate(leaf, all);
    }

    public static CertificateInfo Describe(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
            }
        }

        return new CertificateInfo(certificate.Subject, names, new DateTimeOffset(certificate.NotBefore.ToUniversalTime()),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), certificate.Thumbprint);
    }
}
