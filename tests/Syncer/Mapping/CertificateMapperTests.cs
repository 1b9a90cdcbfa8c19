using System.Text;
using Entrance.Syncer.Mapping;
using Entrance.Testing;
using k8s.Models;

namespace Entrance.Syncer.Tests.Mapping;

public sealed class CertificateMapperTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly CertificateMapper _mapper = new("entrance");

    private static (string Chain, string Key) Pem(DateTimeOffset notAfter, params string[] names) =>
        TestCertificates.SelfSigned(Now.AddDays(-60), notAfter, names);

    private static V1Secret Secret(string ns, string name, (string Chain, string Key) pair, string rv = "1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = rv },
        Type = "kubernetes.io/tls",
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(pair.Chain), ["tls.key"] = Encoding.UTF8.GetBytes(pair.Key) },
    };

    private static V1Ingress Ingress(string ns, string name, string? ingressClass, params (string Secret, string[] Hosts)[] tls) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1IngressSpec
        {
            IngressClassName = ingressClass,
            Tls = tls.Select(t => new V1IngressTLS { SecretName = t.Secret, Hosts = t.Hosts }).ToList(),
        },
    };

    [Fact]
    public void Map_TlsEntry_OneCertificatePerNormalisedHost()
    {
        var pair = Pem(Now.AddDays(30), "*.example.com", "example.com");

        var result = _mapper.Map([Ingress("shop", "ing", "entrance", ("tls", ["*.Example.com", "example.com."]))], [Secret("shop", "tls", pair)], Now);

        Assert.Equal(["*.example.com", "example.com"], result.Certificates.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(pair.Chain, result.Certificates["example.com"].Chain);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Map_IngressOfAnotherClassOrSecretInAnotherNamespace_NothingDesired()
    {
        var pair = Pem(Now.AddDays(30), "a.example.com");

        var result = _mapper.Map(
            [Ingress("shop", "other", "nginx", ("tls", ["a.example.com"])), Ingress("web", "ing", "entrance", ("tls", ["b.example.com"]))],
            [Secret("shop", "tls", pair)], Now);

        Assert.Empty(result.Certificates);
        Assert.Equal(["b.example.com"], result.Held);
        Assert.Contains(result.Warnings, w => w.Contains("'web/tls'") && w.Contains("not found"));
    }

    [Fact]
    public void Map_MismatchedKey_HeldWarnedAndCountedByVersion()
    {
        var pair = Pem(Now.AddDays(30), "a.example.com");
        var other = Pem(Now.AddDays(30), "a.example.com");

        var result = _mapper.Map([Ingress("shop", "ing", "entrance", ("tls", ["a.example.com"]))], [Secret("shop", "tls", (pair.Chain, other.Key), rv: "7")], Now);

        Assert.Empty(result.Certificates);
        Assert.Equal(["a.example.com"], result.Held);
        Assert.Equal(["shop/tls@7"], result.InvalidSecrets);
        Assert.Contains(result.Warnings, w => w.Contains("unusable") && w.Contains("does not match"));
    }

    [Fact]
    public void Map_ExpiredCertificate_WrittenWithWarning()
    {
        var pair = Pem(Now.AddDays(-1), "a.example.com");

        var result = _mapper.Map([Ingress("shop", "ing", "entrance", ("tls", ["a.example.com"]))], [Secret("shop", "tls", pair)], Now);

        Assert.True(result.Certificates.ContainsKey("a.example.com"));
        Assert.Contains(result.Warnings, w => w.Contains("expired"));
    }

    [Fact]
    public void Map_HostListedByTwoIngresses_FirstByNamespaceNameWins()
    {
        var first = Pem(Now.AddDays(30), "a.example.com");
        var second = Pem(Now.AddDays(30), "a.example.com");

        var result = _mapper.Map(
            [Ingress("shop", "z", "entrance", ("tls-z", ["a.example.com"])), Ingress("shop", "a", "entrance", ("tls-a", ["a.example.com"]))],
            [Secret("shop", "tls-a", first), Secret("shop", "tls-z", second)], Now);

        Assert.Equal(first.Chain, result.Certificates["a.example.com"].Chain);
    }

    [Fact]
    public void Map_CatchAllOrInvalidHost_SkippedWithWarning()
    {
        var pair = Pem(Now.AddDays(30), "a.example.com");

        var result = _mapper.Map([Ingress("shop", "ing", "entrance", ("tls", ["*", "a..example.com", "a.example.com"]))], [Secret("shop", "tls", pair)], Now);

        Assert.Equal(["a.example.com"], result.Certificates.Keys);
        Assert.Equal(2, result.Warnings.Count(w => w.Contains("is invalid")));
    }
}
