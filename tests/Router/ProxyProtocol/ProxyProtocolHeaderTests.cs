using System.Buffers;
using System.Text;
using Entrance.Router.ProxyProtocol;

namespace Entrance.Router.Tests.ProxyProtocol;

public sealed class ProxyProtocolHeaderTests
{
    private static ProxyHeaderStatus Parse(byte[] bytes, out int consumed, out System.Net.IPEndPoint? source) =>
        ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(bytes), out consumed, out source);

    [Fact]
    public void TryParse_V1Tcp4_SourceAndLength()
    {
        var header = "PROXY TCP4 192.0.2.1 192.0.2.2 1234 443\r\n";

        var status = Parse(Encoding.ASCII.GetBytes(header + "GET /"), out var consumed, out var source);

        Assert.Equal(ProxyHeaderStatus.Done, status);
        Assert.Equal(header.Length, consumed);
        Assert.Equal("192.0.2.1:1234", source!.ToString());
    }

    [Fact]
    public void TryParse_V1Unknown_DoneWithoutSource()
    {
        Assert.Equal(ProxyHeaderStatus.Done, Parse(Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n"), out var consumed, out var source));
        Assert.Equal(15, consumed);
        Assert.Null(source);
    }

    [Theory]
    [InlineData("PRO")]
    [InlineData("PROXY TCP4 192.0.2.1")]
    [InlineData("\r\n\r\n\0\r")]
    public void TryParse_Partial_NeedMore(string text) =>
        Assert.Equal(ProxyHeaderStatus.NeedMore, Parse(Encoding.ASCII.GetBytes(text), out _, out _));

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\r\nGET")]
    public void TryParse_Http_Absent(string text) =>
        Assert.Equal(ProxyHeaderStatus.Absent, Parse(Encoding.ASCII.GetBytes(text), out _, out _));

    [Fact]
    public void TryParse_V1LongerThan107Bytes_Malformed()
    {
        var text = "PROXY TCP4 " + new string('1', 120) + "\r\n";

        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(Encoding.ASCII.GetBytes(text), out _, out _));
    }

    [Fact]
    public void TryParse_V2TooLong_Malformed()
    {
        byte[] bytes = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0xFF, 0xFF];

        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(bytes, out _, out _));
    }

    [Fact]
    public void TryParse_V2WrongVersion_Malformed()
    {
        byte[] bytes = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x11, 0x11, 0x00, 0x0C];

        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(bytes, out _, out _));
    }

    [Fact]
    public void TryParse_V2Tcp4AddressesTooShort_Malformed()
    {
        byte[] bytes = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x04, 1, 2, 3, 4];

        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(bytes, out _, out _));
    }
}
