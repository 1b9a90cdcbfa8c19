using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Entrance.Router.ProxyProtocol;

/// <summary>What <see cref="ProxyProtocolHeader.TryParse"/> found at the start of a connection.</summary>
public enum ProxyHeaderStatus
{
    /// <summary>Too few bytes yet to decide.</summary>
    NeedMore,

    /// <summary>A complete header; <c>consumed</c> bytes belong to it.</summary>
    Done,

    /// <summary>Not a PROXY header at all (the bytes are something else, e.g. HTTP).</summary>
    Absent,

    /// <summary>Starts like a PROXY header but is not a valid one (or is too long).</summary>
    Malformed,
}

/// <summary>
/// The HAProxy PROXY protocol header, v1 (text, at most 107 bytes) and v2 (binary). Only the source address is used:
/// TCP over IPv4/IPv6; v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c> (health checks) and other families keep the peer's own
/// address (null source). v2 TLVs are skipped.
/// </summary>
public static class ProxyProtocolHeader
{
    public const int V1MaxLength = 107;

    /// <summary>v2 headers longer than this (16 fixed bytes + addresses + TLVs) are refused; real ones are a few hundred bytes.</summary>
    public const int V2MaxLength = 16 + 4096;

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyHeaderStatus TryParse(ReadOnlySequence<byte> buffer, out int consumed, out IPEndPoint? source)
    {
        consumed = 0;
        source = null;
        Span<byte> head = stackalloc byte[16];
        var have = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, have).CopyTo(head);
        head = head[..have];

        if (StartsLike(head, V2Signature))
        {
            return have < 16 ? ProxyHeaderStatus.NeedMore : ParseV2(buffer, head, out consumed, out source);
        }

        if (StartsLike(head, V1Signature))
        {
            return have < V1Signature.Length ? ProxyHeaderStatus.NeedMore : ParseV1(buffer, out consumed, out source);
        }

        return ProxyHeaderStatus.Absent;
    }

    /// <summary>True when the bytes so far are a prefix of the signature or start with it.</summary>
    private static bool StartsLike(ReadOnlySpan<byte> head, ReadOnlySpan<byte> signature) =>
        head.Length > 0 && (head.Length >= signature.Length ? head.StartsWith(signature) : signature.StartsWith(head));

    private static ProxyHeaderStatus ParseV1(ReadOnlySequence<byte> buffer, out int consumed, out IPEndPoint? source)
    {
        consumed = 0;
        source = null;
        var window = buffer.Slice(0, Math.Min(buffer.Length, V1MaxLength));
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            return buffer.Length >= V1MaxLength ? ProxyHeaderStatus.Malformed : ProxyHeaderStatus.NeedMore;
        }

        var lineBytes = window.Slice(0, lf.Value).ToArray();
        if (lineBytes.Length == 0 || lineBytes[^1] != '\r')
        {
            return ProxyHeaderStatus.Malformed;
        }

        consumed = lineBytes.Length + 1;
        var parts = Encoding.ASCII.GetString(lineBytes, 0, lineBytes.Length - 1).Split(' ');
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
        {
            return ProxyHeaderStatus.Done; // the proxy does not know: keep the peer's address
        }

        if (parts.Length != 6 || parts[1] is not ("TCP4" or "TCP6")
            || !IPAddress.TryParse(parts[2], out var src) || !IPAddress.TryParse(parts[3], out var dst)
            || !TryPort(parts[4], out var srcPort) || !TryPort(parts[5], out _))
        {
            return ProxyHeaderStatus.Malformed;
        }

        var family = parts[1] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (src.AddressFamily != family || dst.AddressFamily != family)
        {
            return ProxyHeaderStatus.Malformed;
        }

        source = new IPEndPoint(src, srcPort);
        return ProxyHeaderStatus.Done;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
        && port is >= 0 and <= 65535 && (text.Length == 1 || text[0] != '0');

    private static ProxyHeaderStatus ParseV2(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> head, out int consumed, out IPEndPoint? source)
    {
        consumed = 0;
        source = null;
        var versionCommand = head[12];
        var family = head[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(head[14..16]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1 || 16 + length > V2MaxLength)
        {
            return ProxyHeaderStatus.Malformed;
        }

        if (buffer.Length < 16 + length)
        {
            return ProxyHeaderStatus.NeedMore;
        }

        consumed = 16 + length;
        if ((versionCommand & 0x0F) == 0)
        {
            return ProxyHeaderStatus.Done; // LOCAL: the proxy's own connection (a health check)
        }

        Span<byte> addresses = stackalloc byte[36];
        switch (family)
        {
            case 0x11: // TCP over IPv4: src(4) dst(4) srcport(2) dstport(2)
                if (length < 12)
                {
                    return ProxyHeaderStatus.Malformed;
                }

                buffer.Slice(16, 12).CopyTo(addresses);
                source = new IPEndPoint(new IPAddress(addresses[..4]), BinaryPrimitives.ReadUInt16BigEndian(addresses[8..10]));
                return ProxyHeaderStatus.Done;
            case 0x21: // TCP over IPv6: src(16) dst(16) srcport(2) dstport(2)
                if (length < 36)
                {
                    return ProxyHeaderStatus.Malformed;
                }

                buffer.Slice(16, 36).CopyTo(addresses);
                source = new IPEndPoint(new IPAddress(addresses[..16]), BinaryPrimitives.ReadUInt16BigEndian(addresses[32..34]));
                return ProxyHeaderStatus.Done;
            default:
                return ProxyHeaderStatus.Done; // UNSPEC, UDP, UNIX: nothing usable, keep the peer's address
        }
    }
}
