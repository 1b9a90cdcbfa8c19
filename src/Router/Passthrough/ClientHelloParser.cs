using System.Buffers;
using System.Buffers.Binary;

namespace Entrance.Router.Passthrough;

/// <summary>What the bytes peeked so far say about a TLS ClientHello.</summary>
public enum ClientHelloStatus
{
    /// <summary>A TLS handshake record has begun but the ClientHello is not complete yet.</summary>
    NeedMore,

    /// <summary>The complete ClientHello was read; its SNI name (or none) is known.</summary>
    Done,

    /// <summary>A TLS-looking record, but no ClientHello this parser can read (malformed, too large, SSLv2): closed before TLS.</summary>
    Invalid,

    /// <summary>The first bytes are not a TLS handshake record at all (plain text, garbage).</summary>
    NotTls,
}

/// <summary>
/// Reads the SNI host name from a TLS ClientHello without consuming it (RFC 8446 §4.1.2, RFC 6066 §3), for passthrough
/// routing before TLS. The ClientHello may arrive over several TCP segments and span several TLS records; the
/// handshake message is at most <see cref="MaxHandshakeBytes"/>. Pure: no I/O, allocates only the name it returns.
/// </summary>
public static class ClientHelloParser
{
    /// <summary>The largest ClientHello accepted (post-quantum key shares make them ~1.5 KiB; 16 KiB is generous).</summary>
    public const int MaxHandshakeBytes = 16 * 1024;

    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloType = 0x01;
    private const int RecordHeader = 5;
    private const int MaxRecordPayload = 16 * 1024 + 2048; // RFC 8446 §5.2 ceiling

    public static ClientHelloStatus TryParse(ReadOnlySequence<byte> buffer, out string? serverName)
    {
        serverName = null;
        if (buffer.IsEmpty)
        {
            return ClientHelloStatus.NeedMore;
        }

        if (buffer.IsSingleSegment)
        {
            return TryParse(buffer.FirstSpan, out serverName);
        }

        // Split over segments: parse a contiguous copy of what can matter (records up to the handshake limit).
        var length = (int)Math.Min(buffer.Length, MaxHandshakeBytes + 64 * RecordHeader);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.Slice(0, length).CopyTo(rented);
            var status = TryParse(rented.AsSpan(0, length), out serverName);
            return status == ClientHelloStatus.NeedMore && length < buffer.Length ? ClientHelloStatus.Invalid : status;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static ClientHelloStatus TryParse(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        if (data.IsEmpty)
        {
            return ClientHelloStatus.NeedMore;
        }

        if (data[0] != HandshakeRecord)
        {
            // An SSLv2-style hello sets the top bit: TLS-ish, left to the TLS stack to refuse.
            return (data[0] & 0x80) != 0 ? ClientHelloStatus.Invalid : ClientHelloStatus.NotTls;
        }

        if (data.Length >= 2 && data[1] != 0x03)
        {
            return ClientHelloStatus.NotTls;
        }

        // Gather the handshake bytes of consecutive handshake records (a ClientHello may be fragmented across them).
        Span<byte> handshake = default;
        byte[]? rented = null;
        try
        {
            var offset = 0;
            var gathered = 0;
            var needed = -1; // handshake header + body, once the header is known
            while (needed < 0 || gathered < needed)
            {
                if (data.Length - offset < RecordHeader)
                {
                    return ClientHelloStatus.NeedMore;
                }

                var header = data.Slice(offset, RecordHeader);
                if (header[0] != HandshakeRecord || header[1] != 0x03)
                {
                    return ClientHelloStatus.Invalid;
                }

                var payload = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
                if (payload == 0 || payload > MaxRecordPayload)
                {
                    return ClientHelloStatus.Invalid;
                }

                offset += RecordHeader;
                var available = Math.Min(payload, data.Length - offset);
                if (rented is null)
                {
                    rented = ArrayPool<byte>.Shared.Rent(MaxHandshakeBytes + 4);
                    handshake = rented.AsSpan(0, MaxHandshakeBytes + 4);
                }

                var take = Math.Min(available, handshake.Length - gathered);
                data.Slice(offset, take).CopyTo(handshake[gathered..]);
                gathered += take;
                if (needed < 0 && gathered >= 4)
                {
                    if (handshake[0] != ClientHelloType)
                    {
                        return ClientHelloStatus.Invalid;
                    }

                    var body = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
                    if (body > MaxHandshakeBytes)
                    {
                        return ClientHelloStatus.Invalid;
                    }

                    needed = 4 + body;
                }

                if (needed >= 0 && gathered >= needed)
                {
                    break;
                }

                if (available < payload)
                {
                    return ClientHelloStatus.NeedMore; // this record's payload is still arriving
                }

                offset += payload;
            }

            return ReadServerName(handshake[4..needed], out serverName) ? ClientHelloStatus.Done : ClientHelloStatus.Invalid;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Walks a ClientHello body to its server_name extension. False when the body is malformed.</summary>
    private static bool ReadServerName(ReadOnlySpan<byte> hello, out string? serverName)
    {
        serverName = null;
        var r = new SpanCursor(hello);
        if (!r.Skip(2 + 32) // legacy_version, random
            || !r.SkipVector(1) // legacy_session_id
            || !r.SkipVector(2) // cipher_suites
            || !r.SkipVector(1)) // legacy_compression_methods
        {
            return false;
        }

        if (r.Remaining == 0)
        {
            return true; // no extensions: no SNI
        }

        if (!r.ReadVector(2, out var extensions) || r.Remaining != 0)
        {
            return false;
        }

        var e = new SpanCursor(extensions);
        while (e.Remaining > 0)
        {
            if (!e.ReadUInt16(out var type) || !e.ReadVector(2, out var extension))
            {
                return false;
            }

            if (type == 0) // server_name
            {
                return ReadHostName(extension, out serverName);
            }
        }

        return true;
    }

    private static bool ReadHostName(ReadOnlySpan<byte> extension, out string? serverName)
    {
        serverName = null;
        var x = new SpanCursor(extension);
        if (!x.ReadVector(2, out var list) || x.Remaining != 0)
        {
            return false;
        }

        var l = new SpanCursor(list);
        while (l.Remaining > 0)
        {
            if (!l.ReadByte(out var nameType) || !l.ReadVector(2, out var name))
            {
                return false;
            }

            if (nameType != 0)
            {
                continue; // only host_name (0) is defined
            }

            if (name.IsEmpty || name.Length > 253)
            {
                return false;
            }

            foreach (var b in name)
            {
                if (b <= 0x20 || b >= 0x7f)
                {
                    return false; // RFC 6066: ASCII, no trailing dot rules enforced here; HostName normalises
                }
            }

            serverName = System.Text.Encoding.ASCII.GetString(name);
            return true;
        }

        return true;
    }

    /// <summary>A bounds-checked reader over a span (every read fails instead of throwing on short input).</summary>
    private ref struct SpanCursor(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly int Remaining => _data.Length;

        public bool Skip(int count)
        {
            if (_data.Length < count)
            {
                return false;
            }

            _data = _data[count..];
            return true;
        }

        public bool ReadByte(out byte value)
        {
            value = 0;
            if (_data.IsEmpty)
            {
                return false;
            }

            value = _data[0];
            _data = _data[1..];
            return true;
        }

        public bool ReadUInt16(out int value)
        {
            value = 0;
            if (_data.Length < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_data);
            _data = _data[2..];
            return true;
        }

        public bool ReadVector(int lengthBytes, out ReadOnlySpan<byte> vector)
        {
            vector = default;
            int length;
            if (lengthBytes == 1)
            {
                if (!ReadByte(out var b))
                {
                    return false;
                }

                length = b;
            }
            else if (!ReadUInt16(out length))
            {
                return false;
            }

            if (_data.Length < length)
            {
                return false;
            }

            vector = _data[..length];
            _data = _data[length..];
            return true;
        }

        public bool SkipVector(int lengthBytes) => ReadVector(lengthBytes, out _);
    }
}
