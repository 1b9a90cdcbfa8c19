using Entrance.Core.Certificates;
using Entrance.Core.Store;

namespace Entrance.Cli.Certificates;

/// <summary>A stored certificate as the CLI shows it; <see cref="Problem"/> says why a router would not serve it.</summary>
internal sealed record CertificateView(string Name, string Owner, CertificateInfo? Info, string? Issuer, int Intermediates, string? Problem)
{
    public static CertificateView From(StoredCertificate stored, DateTimeOffset now)
    {
        var owner = stored.Owner ?? "manual";
        try
        {
            using var loaded = CertificatePem.Load(stored.Chain, stored.Key);
            var problem = loaded.IsExpired(now) ? (now >= loaded.Info.NotAfter ? "expired" : "not yet valid")
                : !loaded.Covers(stored.Name) ? "does not cover its name" : null;
            return new CertificateView(stored.Name, owner, loaded.Info, loaded.Leaf.Issuer, loaded.Intermediates.Count, problem);
        }
        catch (CertificateProblemException e)
        {
            return new CertificateView(stored.Name, owner, null, null, 0, "unusable: " + e.Message);
        }
    }

    public object ToJson(DateTimeOffset now) => new
    {
        name = Name,
        owner = Owner,
        subject = Info?.Subject,
        dnsNames = Info?.DnsNames ?? [],
        issuer = Issuer,
        notBefore = Info?.NotBefore,
        notAfter = Info?.NotAfter,
        daysLeft = Info?.DaysLeft(now),
        thumbprint = Info?.Thumbprint,
        intermediates = Intermediates,
        problem = Problem,
    };
}
