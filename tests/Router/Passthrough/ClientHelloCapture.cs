using System.Net.Security;
using System.Security.Authentication;

namespace Entrance.Router.Tests.Passthrough;

/// <summary>The ClientHello .NET's own TLS client sends (as the first TLS record(s) it writes), captured without a network.</summary>
public static class ClientHelloCapture
{
    public static async Task<byte[]> CaptureAsync(string? serverName)
    {
        var capture = new CaptureStream();
        await using var ssl = new SslStream(capture, false, static (_, _, _, _) => true);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName ?? string.Empty,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            });
        }
        catch (IOException)
        {
            // The capture stream has no server: the handshake stops once the hello is written.
        }

        return capture.Written.ToArray();
    }

    /// <summary>Re-frames a single-record ClientHello into TLS records of at most <paramref name="fragment"/> handshake bytes each.</summary>
    public static byte[] Fragment(byte[] hello, int fragment)
    {
        var handshake = hello.AsSpan(5, (hello[3] << 8) | hello[4]).ToArray();
        var output = new MemoryStream();
        for (var offset = 0; offset < handshake.Length; offset += fragment)
        {
            var length = Math.Min(fragment, handshake.Length - offset);
            output.Write([0x16, hello[1], hello[2], (byte)(length >> 8), (byte)length]);
            output.Write(handshake, offset, length);
        }

        return output.ToArray();
    }

    private sealed class CaptureStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("no server");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("no server"));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException<int>(new IOException("no server"));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Written.Write(buffer, offset, count);
            return Task.CompletedTask;
        }
    }
}
