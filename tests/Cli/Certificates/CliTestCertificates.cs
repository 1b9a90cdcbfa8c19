using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Entrance.Cli.Tests.Certificates;

/// <summary>
/// Throwaway certificates written to PEM files for <c>cert add</c>. Private to the CLI tests until engineer A's
/// tests/Testing/TestCertificates.cs is merged (the lead dedups).
/// </summary>
internal sealed class CliTestCertificates : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entrance-cert-").FullName;

    public static (string Chain, string Key) Pem(DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] dnsNames)
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

    public static (string Chain, string Key) Valid(params string[] dnsNames) =>
        Pem(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60), dnsNames);

    /// <summary>Writes the pair to two files and returns their paths.</summary>
    public (string CertFile, string KeyFile) Files((string Chain, string Key) pair)
    {
        var id = Guid.NewGuid().ToString("N");
        var cert = Path.Combine(_dir, id + ".pem");
        var key = Path.Combine(_dir, id + ".key");
        File.WriteAllText(cert, pair.Chain);
        File.WriteAllText(key, pair.Key);
        return (cert, key);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
