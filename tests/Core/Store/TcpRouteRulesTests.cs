using Entrance.Core.Store;

namespace Entrance.Core.Tests.Store;

public sealed class TcpRouteRulesTests
{
    [Theory]
    [InlineData("10.0.0.5:5432", "10.0.0.5:5432")]
    [InlineData("DB.Internal:5432", "db.internal:5432")]
    [InlineData("db.internal.:5432", "db.internal:5432")]
    [InlineData("[FD00::5]:5432", "[fd00::5]:5432")]
    [InlineData("localhost:1", "localhost:1")]
    public void TryBackend_Valid_StoredForm(string raw, string stored)
    {
        Assert.True(TcpRouteRules.TryBackend(raw, out var backend, out var error), error);
        Assert.Equal(stored, backend);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.5")]
    [InlineData("10.0.0.5:0")]
    [InlineData("10.0.0.5:65536")]
    [InlineData("10.0.0.500:22")]
    [InlineData("fd00::5:22")]
    [InlineData("http://10.0.0.5:22")]
    [InlineData("-bad.example:22")]
    [InlineData(":22")]
    [InlineData("a b:22")]
    public void TryBackend_Invalid_ClearError(string raw)
    {
        Assert.False(TcpRouteRules.TryBackend(raw, out _, out var error));
        Assert.Contains("host:port", error);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("65535", true)]
    [InlineData("0", false)]
    [InlineData("65536", false)]
    [InlineData("-1", false)]
    [InlineData("30001x", false)]
    public void TryPort_Range(string raw, bool valid) => Assert.Equal(valid, TcpRouteRules.TryPort(raw, out _, out _));

    [Theory]
    [InlineData("lb", "random", true)]
    [InlineData("lb", "round-robin", true)]
    [InlineData("lb", "least-connections", true)]
    [InlineData("lb", "p2c", false)]
    [InlineData("proxy_protocol", "v1", true)]
    [InlineData("proxy_protocol", "v3", false)]
    [InlineData("idle_timeout", "5m", true)]
    [InlineData("idle_timeout", "0", true)]
    [InlineData("connect_timeout", "250ms", true)]
    [InlineData("connect_timeout", "5", false)]
    [InlineData("connect_timeout", "0s", false)]
    [InlineData("max_connections", "100", true)]
    [InlineData("max_connections", "0", false)]
    [InlineData("max_connections", "many", false)]
    [InlineData("colour", "blue", false)]
    [InlineData("lb", "", true)]
    public void TrySetting_Values(string field, string value, bool valid) => Assert.Equal(valid, TcpRouteRules.TrySetting(field, value, out _));
}
