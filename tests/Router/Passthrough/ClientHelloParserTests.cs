using System.Buffers;
using Entrance.Router.Passthrough;

namespace Entrance.Router.Tests.Passthrough;

public sealed class ClientHelloParserTests
{
    [Fact]
    public async Task TryParse_RealClientHello_ReturnsServerName()
    {
        var hello = await ClientHelloCapture.CaptureAsync("secure.example.com");

        Assert.Equal(ClientHelloStatus.Done, ClientHelloParser.TryParse(hello, out var name));
        Assert.Equal("secure.example.com", name);
    }

    [Fact]
    public async Task TryParse_HelloWithoutSni_DoneWithNoName()
    {
        var hello = await ClientHelloCapture.CaptureAsync(null);

        Assert.Equal(ClientHelloStatus.Done, ClientHelloParser.TryParse(hello, out var name));
        Assert.Null(name);
    }

    [Fact]
    public async Task TryParse_EveryPrefix_NeedsMore()
    {
        var hello = await ClientHelloCapture.CaptureAsync("secure.example.com");

        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Equal(ClientHelloStatus.NeedMore, ClientHelloParser.TryParse(hello.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public async Task TryParse_SplitOverSegments_ReturnsServerName()
    {
        var hello = await ClientHelloCapture.CaptureAsync("secure.example.com");

        var sequence = Segments(hello, 3, 40);

        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(ClientHelloStatus.Done, ClientHelloParser.TryParse(sequence, out var name));
        Assert.Equal("secure.example.com", name);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public async Task TryParse_FragmentedOverRecords_ReturnsServerName(int fragment)
    {
        var hello = ClientHelloCapture.Fragment(await ClientHelloCapture.CaptureAsync("records.example.com"), fragment);

        Assert.Equal(ClientHelloStatus.Done, ClientHelloParser.TryParse(hello, out var name));
        Assert.Equal("records.example.com", name);
        Assert.Equal(ClientHelloStatus.NeedMore, ClientHelloParser.TryParse(hello.AsSpan(0, hello.Length - 1), out _));
        Assert.Equal(ClientHelloStatus.Done, ClientHelloParser.TryParse(Segments(hello, 5, 17), out name));
        Assert.Equal("records.example.com", name);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n")]
    [InlineData("\0\0\0\0")]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n")]
    public void TryParse_NotTls_SaysSo(string text)
    {
        Assert.Equal(ClientHelloStatus.NotTls, ClientHelloParser.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void TryParse_HandshakeRecordOfAnotherVersionByte_NotTls()
    {
        Assert.Equal(ClientHelloStatus.NotTls, ClientHelloParser.TryParse(new byte[] { 0x16, 0x47, 0x45 }, out _));
    }

    [Fact]
    public async Task TryParse_NotAClientHelloOrOversized_Invalid()
    {
        var hello = await ClientHelloCapture.CaptureAsync("secure.example.com");
        var serverHello = (byte[])hello.Clone();
        serverHello[5] = 0x02;
        var oversized = (byte[])hello.Clone();
        oversized[6] = 0x01; // body length ≥ 64 KiB
        var emptyRecord = new byte[] { 0x16, 0x03, 0x01, 0x00, 0x00 };

        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryParse(serverHello, out _));
        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryParse(oversized, out _));
        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryParse(emptyRecord, out _));
        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryParse(new byte[] { 0x80, 0x2e, 0x01 }, out _)); // SSLv2 hello
    }

    [Fact]
    public async Task TryParse_MutatedAndRandomBytes_NeverThrowsAndNamesAreAscii()
    {
        var hello = await ClientHelloCapture.CaptureAsync("fuzz.example.com");
        var random = new Random(16);
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 4 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
                if (input.Length > 2 && i % 8 == 0)
                {
                    input[0] = 0x16;
                    input[1] = 0x03;
                }
            }
            else
            {
                input = (byte[])hello.Clone();
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }

                input = input.AsSpan(0, random.Next(input.Length / 2, input.Length + 1)).ToArray();
            }

            var status = ClientHelloParser.TryParse(input, out var name);
            var split = ClientHelloParser.TryParse(Segments(input, 2, Math.Max(1, input.Length / 3)), out var splitName);

            Assert.Equal(status, split);
            Assert.Equal(name, splitName);
            Assert.True(name is null || name.All(c => c > ' ' && c < 0x7f), name);
        }
    }

    /// <summary>The bytes as a multi-segment sequence: <paramref name="count"/> segments of <paramref name="size"/>, then the rest.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] data, int count, int size)
    {
        Segment? first = null, last = null;
        var offset = 0;
        for (var i = 0; offset < data.Length; i++)
        {
            var length = i < count - 1 ? Math.Min(size, data.Length - offset) : data.Length - offset;
            var segment = new Segment(data.AsMemory(offset, length), last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
            offset += length;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
