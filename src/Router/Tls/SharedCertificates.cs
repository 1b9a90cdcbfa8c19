using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Entrance.Core.Store;

namespace Entrance.Router.Tls;

/// <summary>
/// One <see cref="ServerCertificate"/> per stored certificate, shared by every server name it answers for: the cache
/// holds one slot per handshake name, but a wildcard serves thousands of names, and parsing its PEM and building its
/// <see cref="System.Net.Security.SslStreamCertificateContext"/> (chain, then OpenSSL's SSL_CTX on first use, which
/// also holds the session-ticket keys) once per name cost about a millisecond of CPU per cold name and a context each.
/// Keyed by stored name; a changed chain or key (rotation) is a new build. Bounded: past the limit it starts over.
/// </summary>
public sealed class SharedCertificates(int limit)
{
    private readonly ConcurrentDictionary<string, Built> _byName = new(StringComparer.Ordinal);

    public int Count => _byName.Count;

    /// <summary>The certificate already built from exactly this stored chain and key, or null.</summary>
    public ServerCertificate? Find(StoredCertificate stored, out byte[] fingerprint)
    {
        fingerprint = Fingerprint(stored.Chain, stored.Key);
        return _byName.TryGetValue(stored.Name, out var built) && built.Fingerprint.AsSpan().SequenceEqual(fingerprint) ? built.Certificate : null;
    }

    public void Add(ServerCertificate certificate, byte[] fingerprint)
    {
        if (_byName.Count >= limit)
        {
            _byName.Clear(); // slots already holding certificates keep them; only the sharing starts over
        }

        _byName[certificate.Name] = new Built(certificate, fingerprint);
    }

    public void Remove(string name) => _byName.TryRemove(name, out _);

    /// <summary>
    /// A chain and key pair's identity: a hash rather than the PEM strings, so the private key's text is not kept in
    /// memory (also how <see cref="DefaultCertificate"/> tells a changed pair of files).
    /// </summary>
    public static byte[] Fingerprint(string chain, string key)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(chain));
        hash.AppendData([0]);
        hash.AppendData(Encoding.UTF8.GetBytes(key));
        return hash.GetHashAndReset();
    }

    private sealed record Built(ServerCertificate Certificate, byte[] Fingerprint);
}
