using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Entrance.Router.Proxy;

/// <summary>
/// Counts the response body bytes for the access log. It replaces the response body feature for the request and
/// passes everything through; YARP and the error pages write through <see cref="Stream"/>, which is what is counted
/// (bytes written straight to <see cref="Writer"/> or through an upgraded WebSocket tunnel are not).
/// </summary>
public sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : Stream, IHttpResponseBodyFeature
{
    private readonly Stream _stream = inner.Stream;
    private long _written;

    public long Written => _written;

    Stream IHttpResponseBodyFeature.Stream => this;

    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        inner.SendFileAsync(path, offset, count, cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        _stream.Write(buffer, offset, count);
        _written += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _stream.Write(buffer);
        _written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _written += buffer.Length;
        return _stream.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _stream.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
