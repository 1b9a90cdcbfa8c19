using Entrance.Testing;

namespace Entrance.Cli.Tests.Certificates;

/// <summary>Throwaway certificates (from <see cref="TestCertificates"/>) written to PEM files for <c>cert add</c>.</summary>
internal sealed class CliTestCertificates : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entrance-cert-").FullName;

    public static (string Chain, string Key) Pem(DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] dnsNames) =>
        TestCertificates.SelfSigned(notBefore, notAfter, dnsNames);

    public static (string Chain, string Key) Valid(params string[] dnsNames) => TestCertificates.SelfSigned(dnsNames);

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
