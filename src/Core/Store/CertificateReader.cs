using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>The PEM pair stored under one certificate name (<c>entrance:cert:&lt;name&gt;</c>), unparsed, and its owner when read by a writer.</summary>
public sealed record StoredCertificate(string Name, string Chain, string Key, string? Owner = null);

/// <summary>
/// The router's read side of the certificate schema: for a handshake's server name, the exact name's certificate, else
/// the one-label wildcard's (<c>*.parent</c>, RFC 6125), in one round trip (both HMGETs pipelined).
/// </summary>
public sealed class CertificateReader(RedisConnection redis)
{
    private static readonly RedisValue[] Fields = [RedisKeys.ChainField, RedisKeys.KeyField];

    public bool IsConnected => redis.IsConnected;

    /// <summary>
    /// The certificate for a normalised server name, or null when neither the name nor its wildcard has one.
    /// A hash missing a field counts as absent. Throws <see cref="RouteStoreUnavailableException"/> when Redis cannot answer.
    /// </summary>
    public async Task<StoredCertificate?> FindAsync(string serverName, CancellationToken cancellationToken = default)
    {
        var wildcard = WildcardOf(serverName);
        var db = redis.Db;
        var exact = db.HashGetAsync(redis.Keys.Certificate(serverName), Fields);
        var parent = wildcard is null ? null : db.HashGetAsync(redis.Keys.Certificate(wildcard), Fields);
        try
        {
            var found = Pick(serverName, await exact.WaitAsync(cancellationToken).ConfigureAwait(false));
            if (found is not null || parent is null)
            {
                return found;
            }

            return Pick(wildcard!, await parent.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            parent?.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // observed: the caller gave up on it
            throw new RouteStoreUnavailableException($"Redis did not answer for certificate {serverName}: {ex.Message}", ex);
        }
    }

    /// <summary>Only the certificate stored under exactly this name (exact or <c>*.parent</c>), for introspection.</summary>
    public async Task<StoredCertificate?> GetAsync(string name)
    {
        try
        {
            return Pick(name, await redis.Db.HashGetAsync(redis.Keys.Certificate(name), Fields).ConfigureAwait(false));
        }
        catch (Exception ex) when (RedisConnection.IsOutage(ex))
        {
            throw new RouteStoreUnavailableException($"Redis did not answer for certificate {name}: {ex.Message}", ex);
        }
    }

    /// <summary><c>*.</c> + the parent of a host name (one label off), or null for a single-label name or a wildcard.</summary>
    public static string? WildcardOf(string serverName)
    {
        if (serverName.StartsWith("*.", StringComparison.Ordinal))
        {
            return null;
        }

        var dot = serverName.IndexOf('.');
        return dot <= 0 || dot == serverName.Length - 1 || serverName.IndexOf('.', dot + 1) < 0 ? null : "*" + serverName[dot..];
    }

    private static StoredCertificate? Pick(string name, RedisValue[] values) =>
        values.Length == 2 && values[0].HasValue && values[1].HasValue ? new StoredCertificate(name, values[0]!, values[1]!) : null;
}
