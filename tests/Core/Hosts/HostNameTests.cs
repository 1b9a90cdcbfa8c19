using Entrance.Core.Hosts;

namespace Entrance.Core.Tests.Hosts;

public class HostNameTests
{
    [Theory]
    [InlineData("shop.example.com", "shop.example.com")]
    [InlineData("Shop.Example.COM", "shop.example.com")]
    [InlineData("shop.example.com:8080", "shop.example.com")]
    [InlineData("shop.example.com.", "shop.example.com")]
    [InlineData("shop.example.com.:443", "shop.example.com")]
    [InlineData("127.0.0.1:8080", "127.0.0.1")]
    [InlineData("[::1]:8080", "[::1]")]
    [InlineData("[FE80::1]", "[fe80::1]")]
    [InlineData("my_app.internal", "my_app.internal")]
    public void TryNormalize_ValidHost_ReturnsLookupName(string raw, string expected)
    {
        Assert.True(HostName.TryNormalize(raw, out var host));
        Assert.Equal(expected, host);
    }

    [Fact]
    public void TryNormalize_AlreadyNormal_ReturnsSameInstance()
    {
        var raw = "shop.example.com";
        Assert.True(HostName.TryNormalize(raw, out var host));
        Assert.Same(raw, host);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("exa mple.com")]
    [InlineData("a..b")]
    [InlineData(".")]
    [InlineData("host:")]
    [InlineData("host:99999")]
    [InlineData("host:80:80")]
    [InlineData("-bad.com")]
    [InlineData("bad-.com")]
    [InlineData("*.example.com")]
    [InlineData("ex/ample.com")]
    [InlineData("[::1")]
    [InlineData("[zz::1]")]
    public void TryNormalize_InvalidHost_ReturnsFalse(string? raw)
    {
        Assert.False(HostName.TryNormalize(raw, out _));
    }

    [Fact]
    public void TryNormalize_OverlongName_ReturnsFalse()
    {
        var label = new string('a', 63);
        var name = string.Join('.', Enumerable.Repeat(label, 4)); // 255 chars
        Assert.False(HostName.TryNormalize(name, out _));
        Assert.False(HostName.TryNormalize(new string('a', 64) + ".com", out _));
    }

    [Fact]
    public void Candidates_SevenLabels_TriesFiveWildcardParentsThenCatchAll()
    {
        Assert.Equal(
            ["a.b.c.d.e.f.g", "*.c.d.e.f.g", "*.d.e.f.g", "*.e.f.g", "*.f.g", "*.g", "*"],
            HostName.Candidates("a.b.c.d.e.f.g"));
    }

    [Fact]
    public void Candidates_TwoLabels_NeverTriesItselfAsWildcard()
    {
        Assert.Equal(["foo.bar", "*.bar", "*"], HostName.Candidates("foo.bar"));
    }

    [Fact]
    public void Candidates_SingleLabel_ExactThenCatchAll()
    {
        Assert.Equal(["localhost", "*"], HostName.Candidates("localhost"));
    }

    [Theory]
    [InlineData("a.b.c.d.e.f.g", "*.c.d.e.f.g", true)]
    [InlineData("a.b.c.d.e.f.g", "*.b.c.d.e.f.g", false)]
    [InlineData("foo.bar", "*.foo.bar", false)]
    [InlineData("x.foo.bar", "*.foo.bar", true)]
    [InlineData("foo.bar", "*", true)]
    [InlineData("foo.bar", "foo.bar", true)]
    [InlineData("foo.bar", "other.bar", false)]
    [InlineData("xfoo.bar", "*.foo.bar", false)]
    public void Tries_MatchesCandidates(string host, string route, bool expected)
    {
        Assert.Equal(expected, HostName.Tries(host, route));
        Assert.Equal(expected, HostName.Candidates(host).Contains(route));
    }

    [Theory]
    [InlineData("shop.example.com")]
    [InlineData("*.example.com")]
    [InlineData("*")]
    [InlineData("localhost")]
    public void IsValidRouteName_Valid_ReturnsTrue(string name)
    {
        Assert.True(HostName.IsValidRouteName(name, out var error), error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("shop example.com", "white space")]
    [InlineData("a..b", "..")]
    [InlineData("Shop.com", "lower case")]
    [InlineData("shop.com:80", "port")]
    [InlineData("shop.com.", "dot")]
    [InlineData("a.*.com", "wildcard")]
    [InlineData("*foo.com", "wildcard")]
    [InlineData("*.", "wildcard")]
    [InlineData("**.com", "wildcard")]
    [InlineData("sh!op.com", "label")]
    public void IsValidRouteName_Invalid_SaysWhy(string name, string reason)
    {
        Assert.False(HostName.IsValidRouteName(name, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void IsValidRouteName_Over253_SaysLength()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 50), 6));
        Assert.False(HostName.IsValidRouteName(name, out var error));
        Assert.Contains("253", error);
    }
}
