using Entrance.Core.Schema;
using Entrance.Core.Store;

namespace Entrance.Core.Tests.Store;

/// <summary>TCP route keys as invalidations see them: the port a key names, and the CLIENT TRACKING prefixes.</summary>
public sealed class TcpRouteKeysTests
{
    [Theory]
    [InlineData("", "entrance:tcp:30001", 30001)]
    [InlineData("", "entrance:tcp-settings:30001", 30001)]
    [InlineData("", "entrance:tcp-dead:65535", 65535)]
    [InlineData("app1:", "app1:entrance:tcp:5432", 5432)]
    [InlineData("", "entrance:tcp-owners", null)]
    [InlineData("", "entrance:tcp:0", null)]
    [InlineData("", "entrance:tcp:70000", null)]
    [InlineData("", "entrance:tcp:-1", null)]
    [InlineData("", "entrance:backends:30001", null)]
    [InlineData("app1:", "entrance:tcp:30001", null)]
    public void PortOf_Key_ReturnsPortOfTcpRouteKeysOnly(string prefix, string key, int? expected) =>
        Assert.Equal(expected, TcpRouteStore.PortOf(new RedisKeys(prefix), key));

    [Theory]
    [InlineData("")]
    [InlineData("app1:")]
    public void Prefixes_AnyKeyPrefix_TcpKeysTrackedAndNoPrefixOverlapsAnother(string prefix)
    {
        var prefixes = new ClientTracking(null!, new RedisKeys(prefix)).Prefixes;

        Assert.Contains(prefix + "entrance:tcp:", prefixes);
        Assert.Contains(prefix + "entrance:tcp-settings:", prefixes);
        Assert.Contains(prefix + "entrance:tcp-dead:", prefixes);
        foreach (var a in prefixes)
        {
            // CLIENT TRACKING BCAST refuses the whole registration when one prefix starts another.
            Assert.DoesNotContain(prefixes, b => !ReferenceEquals(a, b) && b.StartsWith(a, StringComparison.Ordinal));
        }
    }
}
