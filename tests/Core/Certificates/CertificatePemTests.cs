using Entrance.Core.Certificates;
using Entrance.Testing;

namespace Entrance.Core.Tests.Certificates;

public class CertificatePemTests
{
    private static (string Chain, string Key) Make(DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] dnsNames) =>
        TestCertificates.SelfSigned(notBefore, notAfter, dnsNames);

    private static (string Chain, string Key) Valid(params string[] names) =>
        Make(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), names);

    [Fact]
    public void Load_MatchingPair_DescribesTheLeaf()
    {
        var (chain, key) = Valid("shop.example.com", "www.shop.example.com");

        using var loaded = CertificatePem.Load(chain, key);

        Assert.True(loaded.Leaf.HasPrivateKey);
        Assert.Equal(["shop.example.com", "www.shop.example.com"], loaded.Info.DnsNames);
        Assert.Equal("CN=shop.example.com", loaded.Info.Subject);
        Assert.InRange(loaded.Info.DaysLeft(DateTimeOffset.UtcNow), 28, 30);
        Assert.Empty(loaded.Intermediates);
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_Refused()
    {
        var (chain, _) = Valid("a.example.com");
        var (_, otherKey) = Valid("a.example.com");

        var e = Assert.Throws<CertificateProblemException>(() => CertificatePem.Load(chain, otherKey));
        Assert.Contains("does not match", e.Message);
    }

    [Theory]
    [InlineData("not a pem", "")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "")]
    public void Load_Garbage_Refused(string chain, string key) =>
        Assert.Throws<CertificateProblemException>(() => CertificatePem.Load(chain, key));

    [Fact]
    public void Load_ChainWithIntermediate_KeepsIntermediates()
    {
        var (leaf, key) = Valid("a.example.com");
        var (intermediate, _) = Valid("ca.example.com");

        using var loaded = CertificatePem.Load(leaf + "\n" + intermediate, key);

        Assert.Single(loaded.Intermediates);
        Assert.Equal("CN=a.example.com", loaded.Info.Subject);
    }

    [Theory]
    [InlineData("x.apps.example.com", true)]
    [InlineData("apps.example.com", false)]
    [InlineData("a.b.apps.example.com", false)]
    [InlineData("*.apps.example.com", true)]
    [InlineData("*.example.com", false)]
    public void Covers_WildcardSan_OneLabelOnly(string name, bool covered)
    {
        var (chain, key) = Valid("*.apps.example.com");
        using var loaded = CertificatePem.Load(chain, key);

        Assert.Equal(covered, loaded.Covers(name));
    }

    [Fact]
    public void IsExpired_PastNotAfter_True()
    {
        var (chain, key) = Make(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1), "old.example.com");
        using var loaded = CertificatePem.Load(chain, key);

        Assert.True(loaded.IsExpired(DateTimeOffset.UtcNow));
        Assert.False(loaded.IsExpired(DateTimeOffset.UtcNow.AddDays(-2)));
    }
}
