using Entrance.Router.Routing;

namespace Entrance.Router.Tests.Routing;

public sealed class RouteTlsSettingsTests
{
    private static RouteTlsSettings From(params (string Field, string Value)[] fields) =>
        RouteTlsSettings.From(fields.ToDictionary(f => f.Field, f => f.Value));

    [Fact]
    public void From_NoHttpsFields_SharedNone()
    {
        Assert.Same(RouteTlsSettings.None, From());
        Assert.Same(RouteTlsSettings.None, From(("lb", "random")));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData(" 1 ", true)]
    [InlineData("0", false)]
    [InlineData("yes", false)]
    public void From_HttpsRedirect_OnlyOneTurnsItOn(string value, bool expected) =>
        Assert.Equal(expected, From(("https_redirect", value)).HttpsRedirect);

    [Theory]
    [InlineData("max-age=1\r\nSet-Cookie: x=1")]
    [InlineData("max-age=1; ünïcode")]
    public void From_HstsNotPrintableAscii_IgnoredWithProblem(string value)
    {
        var tls = From(("hsts", value));

        Assert.Null(tls.Hsts);
        Assert.Contains("hsts", tls.Problem);
    }

    [Fact]
    public void From_VerifyOff_NoVerifyKeyEvenWithCa()
    {
        var tls = From(("backend_tls_verify", "0"), ("backend_ca", "garbage"));

        Assert.False(tls.VerifyBackend);
        Assert.Equal(RouteTlsSettings.NoVerify, tls.BackendTrustKey);
        Assert.Null(tls.Problem);
    }

    [Fact]
    public void From_SameCaBundle_SameKey()
    {
        var pem = Proxy.BackendCertificates.Pem(Proxy.BackendCertificates.CreateCa());

        var a = From(("backend_ca", pem));
        var b = From(("backend_ca", pem));

        Assert.Single(a.BackendCa!);
        Assert.StartsWith("ca:", a.BackendTrustKey);
        Assert.Equal(a.BackendTrustKey, b.BackendTrustKey);
        Assert.Null(a.Problem);
    }

    [Fact]
    public void From_GarbageCa_EmptyTrustAndProblem()
    {
        var tls = From(("backend_ca", "not a pem"));

        Assert.Empty(tls.BackendCa!);
        Assert.Contains("backend_ca", tls.Problem);
    }

    [Theory]
    [InlineData("https://10.0.0.5:8443", "https://10.0.0.5:8443")]
    [InlineData("h2c://10.0.0.5:50051", "http://10.0.0.5:50051")]
    [InlineData("H2C://10.0.0.5:50051/base", "http://10.0.0.5:50051/base")]
    [InlineData("http://10.0.0.5:8080", "http://10.0.0.5:8080")]
    public void BackendState_ForwardPrefix_H2cMadePlainOthersKept(string url, string expected) =>
        Assert.Equal(expected, new BackendState(url).ForwardPrefix);
}
