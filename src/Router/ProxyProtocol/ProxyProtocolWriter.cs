using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Entrance.Router.ProxyProtocol;

/// <summary>
/// Writes the PROXY protocol header (v1 text or v2 binary, haproxy's proxy-protocol.txt) that tells a backend the
/// client's address: sent first on a relayed TCP connection when the route asks for it.
/// </summary>
public static class ProxyProtocolWriter
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary><c>PROXY TCP4 src dst sport dport\r\n</c>; <c>PROXY UNKNOWN\r\n</c> when the addresses are not both IPv4 or both IPv6.</summary>
    public static byte[] V1(EndPoint? source, EndPoint? destination)
    {
        if (!Pair(source, destination, out var src, out var dst))
        {
            return Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n");
        }

        var family = src.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"PROXY {family} {src.Address} {dst.Address} {src.Port} {dst.Port}\r\n"));
    }

    /// <summary>The binary header: PROXY command over TCP4/TCP6, or LOCAL with no address when they are unknown.</summary>
    public static byte[] V2(EndPoint? source, EndPoint? destination)
    {
        if (!Pair(source, destination, out var src, out var dst))
        {
            var local = new byte[16];
            V2Signature.CopyTo(local, 0);
            local[12] = 0x20; // version 2, LOCAL
            return local;
        }

        var v4 = src.AddressFamily == AddressFamily.InterNetwork;
        var addressBytes = v4 ? 4 : 16;
        var length = addressBytes * 2 + 4;
        var header = new byte[16 + length];
        V2Signature.CopyTo(header, 0);
        header[12] = 0x21; // version 2, PROXY
        header[13] = v4 ? (byte)0x11 : (byte)0x21; // AF_INET / AF_INET6, STREAM
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)length);
        src.Address.TryWriteBytes(header.AsSpan(16), out _);
        dst.Address.TryWriteBytes(header.AsSpan(16 + addressBytes), out _);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16 + addressBytes * 2), (ushort)src.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18 + addressBytes * 2), (ushort)dst.Port);
        return header;
    }

    /// <summary>Both addresses in one family (IPv4-mapped IPv6 counts as IPv4, as a dual-mode listener reports it).</summary>
    private static bool Pair(EndPoint? source, EndPoint? destination, out IPEndPoint src, out IPEndPoint dst)
    {
        src = dst = null!;
        if (source is not IPEndPoint s || destination is not IPEndPoint d)
        {
            return false;
        }

        src = s.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(s.Address.MapToIPv4(), s.Port) : s;
        dst = d.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(d.Address.MapToIPv4(), d.Port) : d;
        return src.AddressFamily == dst.AddressFamily;
    }
}
