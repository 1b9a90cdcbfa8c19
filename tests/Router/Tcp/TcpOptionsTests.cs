using System.Buffers;
using System.Net;
using Entrance.Router.ProxyProtocol;
using Entrance.Router.Tcp;

namespace Entrance.Router.Tests.Tcp;

public sealed class TcpOptionsTests
{
    [Fact]
    public void ParsePorts_ListAndRanges_EachPortOnceInOrder()
    {
        var options = new TcpOptions { Ports = ["30002-30004, 5432", "30003"] };

        Assert.Equal([5432, 30002, 30003, 30004], options.ParsePorts());
    }

    [Theory]
    [InlineData("70000", "'70000' is not a port")]
    [InlineData("30010-30001", "ends before it starts")]
    [InlineData("abc", "'abc' is not a port")]
    [InlineData("1-20000", "more than 10000 ports")]
    public void Problems_BadPorts_ClearMessage(string ports, string expected)
    {
        var problem = Assert.Single(new TcpOptions { Ports = [ports] }.Problems());

        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.StartsWith("Entrance:Tcp:Ports", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BadPorts_FailsAtStartNamingTheSetting()
    {
        var error = Assert.ThrowsAny<Exception>(() => EntranceRouter.Build(["--Entrance:Tcp:Ports", "30000-29000", "--urls", "http://127.0.0.1:0"]));

        Assert.Contains("Entrance:Tcp:Ports", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Settings_ValuesAndFallbacks()
    {
        var settings = TcpRouteSettings.Parse(
            new Dictionary<string, string> { ["lb"] = "least-connections", ["proxy_protocol"] = "v2", ["idle_timeout"] = "1m", ["connect_timeout"] = "250ms", ["max_connections"] = "x" },
            new TcpOptions { MaxConnectionsPerRoute = 7 });

        Assert.Equal(TcpBalancing.LeastConnections, settings.Balancing);
        Assert.Equal(ProxyHeaderVersion.V2, settings.ProxyProtocol);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.IdleTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.ConnectTimeout);
        Assert.Equal(7, settings.MaxConnections);
        Assert.Contains(settings.Problems, p => p.Contains("max_connections", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0.0.5:5432", true)]
    [InlineData("[::1]:6379", true)]
    [InlineData("db.internal:5432", true)]
    [InlineData("::1:6379", false)]
    [InlineData("host", false)]
    [InlineData("host:0", false)]
    public void ParseEndPoint_Forms_ValidOrNot(string text, bool valid) =>
        Assert.Equal(valid, TcpBackend.ParseEndPoint(text) is not null);

    [Theory]
    [InlineData("192.0.2.1", 1234, "192.0.2.2", 443)]
    [InlineData("2001:db8::1", 1234, "2001:db8::2", 443)]
    public void ProxyProtocolWriter_V1AndV2_ParsedBackByTheReader(string src, int srcPort, string dst, int dstPort)
    {
        var source = new IPEndPoint(IPAddress.Parse(src), srcPort);
        var destination = new IPEndPoint(IPAddress.Parse(dst), dstPort);
        foreach (var header in new[] { ProxyProtocolWriter.V1(source, destination), ProxyProtocolWriter.V2(source, destination) })
        {
            var status = ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(header), out var consumed, out var parsed);

            Assert.Equal(ProxyHeaderStatus.Done, status);
            Assert.Equal(header.Length, consumed);
            Assert.Equal(source, parsed);
        }
    }
}
