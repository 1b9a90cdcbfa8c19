using Entrance.Core.Schema;

namespace Entrance.Core.Tests.Schema;

public class RedisKeysTests
{
    [Fact]
    public void Keys_NoPrefix_MatchTheDocumentedSchema()
    {
        var keys = new RedisKeys();
        Assert.Equal("entrance:backends:a.com", keys.Backends("a.com"));
        Assert.Equal("entrance:host:a.com", keys.Settings("a.com"));
        Assert.Equal("entrance:dead:a.com", keys.NativeDead("a.com"));
        Assert.Equal("frontend:a.com", keys.Frontend("a.com"));
        Assert.Equal("dead:a.com", keys.HipacheDead("a.com"));
        Assert.Equal("entrance:changed", keys.ChangedChannel);
        Assert.Equal("dead", keys.DeadChannel);
        Assert.Equal("entrance:owners", keys.Owners);
        Assert.Equal(
            ["entrance:backends:*", "entrance:host:*", "entrance:dead:*", "frontend:*", "dead:*", "entrance:paths:*", "entrance:weights:*", "entrance:expiry:*"],
            keys.RoutePatterns);
    }

    [Fact]
    public void Keys_WithPrefix_PrefixEveryKeyAndChannel()
    {
        var keys = new RedisKeys("t1:");
        Assert.Equal("t1:entrance:backends:a.com", keys.Backends("a.com"));
        Assert.Equal("t1:frontend:a.com", keys.Frontend("a.com"));
        Assert.Equal("t1:entrance:changed", keys.ChangedChannel);
        Assert.Equal("t1:dead", keys.DeadChannel);
        Assert.Equal("t1:entrance:owners", keys.Owners);
        Assert.Equal(
            ["t1:entrance:backends:*", "t1:entrance:host:*", "t1:entrance:dead:*", "t1:frontend:*", "t1:dead:*", "t1:entrance:paths:*", "t1:entrance:weights:*", "t1:entrance:expiry:*"],
            keys.RoutePatterns);
    }

    [Theory]
    [InlineData("", "entrance:backends:a.com", "a.com")]
    [InlineData("", "entrance:host:*.a.com", "*.a.com")]
    [InlineData("", "entrance:dead:a.com", "a.com")]
    [InlineData("", "frontend:a.com", "a.com")]
    [InlineData("", "dead:a.com", "a.com")]
    [InlineData("", "entrance:backends:a.com/api", "a.com/api")]
    [InlineData("", "entrance:paths:a.com", "a.com")]
    [InlineData("", "entrance:weights:*.a.com/api", "*.a.com/api")]
    [InlineData("", "entrance:expiry:a.com", "a.com")]
    [InlineData("", "entrance:owners", null)]
    [InlineData("", "entrance:backends:", null)]
    [InlineData("p:", "p:frontend:a.com", "a.com")]
    [InlineData("p:", "frontend:a.com", null)]
    public void RouteNameOf_Key_ReturnsRouteName(string prefix, string key, string? expected)
    {
        Assert.Equal(expected, new RedisKeys(prefix).RouteNameOf(key));
    }

    [Fact]
    public void HashTags_Cluster_TagHostPartKeepHipacheAndSingleNodeNames()
    {
        var plain = new RedisKeys("p:");
        var tagged = new RedisKeys("p:") { HashTags = true };

        Assert.Equal("p:entrance:backends:a.com/api", plain.Backends("a.com/api"));
        Assert.Equal("p:entrance:owners", plain.OwnersOf("a.com/api"));
        Assert.Equal("p:entrance:backends:{a.com}/api", tagged.Backends("a.com/api"));
        Assert.Equal("p:entrance:paths:{*.a.com}", tagged.Paths("*.a.com"));
        Assert.Equal("p:entrance:owners:{a.com}", tagged.OwnersOf("a.com/api"));
        Assert.Equal("p:entrance:tcp:{5432}", tagged.TcpBackends(5432));
        Assert.Equal("p:entrance:tcp-owners:{5432}", tagged.TcpOwnersOf(5432));
        Assert.Equal("p:entrance:cert:{*.a.com}", tagged.Certificate("*.a.com"));
        Assert.Equal("p:entrance:cert-owners:{*.a.com}", tagged.CertificateOwnersOf("*.a.com"));
        Assert.Equal("p:frontend:a.com", tagged.Frontend("a.com"));
        Assert.Equal("p:dead:a.com", tagged.HipacheDead("a.com"));
        Assert.Equal("p:entrance:none:{a.com}/api", tagged.HipacheInSlot(tagged.Frontend("a.com/api"), "a.com/api"));
        Assert.Equal("p:frontend:a.com", plain.HipacheInSlot(plain.Frontend("a.com"), "a.com"));
    }

    [Theory]
    [InlineData("entrance:backends:{a.com}/api", "a.com/api")]
    [InlineData("entrance:weights:{*.a.com}", "*.a.com")]
    [InlineData("frontend:a.com", "a.com")]
    [InlineData("entrance:cert:{a.com}", null)]
    public void RouteNameOf_TaggedKey_ReturnsNameWithoutBraces(string key, string? expected)
    {
        Assert.Equal(expected, new RedisKeys { HashTags = true }.RouteNameOf(key));
        Assert.Equal(key == "entrance:cert:{a.com}" ? "a.com" : null, new RedisKeys().CertificateNameOf(key));
    }
}
