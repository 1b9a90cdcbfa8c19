using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>How a certificate write treats a name another writer manages (see docs/redis-schema.md, certificates).</summary>
public enum CertificateWriteMode
{
    /// <summary>Write unless another writer owns the name; hand-written names are taken over (the CLI).</summary>
    Claim,

    /// <summary>Write only names that are new or already ours; never touch hand-written or foreign names (the Syncer).</summary>
    OwnedOnly,

    /// <summary>Write whoever owns the name (<c>cert add --force</c>: a person replacing a managed certificate on purpose).</summary>
    Force,
}

public enum CertificateWriteOutcome
{
    Written,

    /// <summary>The same chain and key were already stored under the name by the same owner: nothing written, nothing published.</summary>
    Unchanged,

    /// <summary>Another writer (or a person: <c>manual</c>) owns the name; nothing was written.</summary>
    Conflict,
}

/// <summary>What <see cref="CertificateWriter.PutAsync"/> did; <see cref="Owner"/> is the current owner on a conflict.</summary>
public sealed record CertificateWriteResult(string Name, CertificateWriteOutcome Outcome, string? Owner = null);

/// <summary>
/// The write side of certificates, shared by the CLI and the Syncer: each name written or removed atomically by one Lua
/// script (chain, key and ownership together), then <c>PUBLISH entrance:changed cert:&lt;name&gt;</c> so routers drop it.
/// Validation (PEM, key match, validity, coverage) is the caller's: this class stores what it is given.
/// </summary>
public sealed class CertificateWriter(RedisConnection redis)
{
    private readonly RedisKeys keys = redis.Keys;

    /// <summary>Stores <paramref name="chainPem"/> and <paramref name="keyPem"/> under <paramref name="name"/>; <paramref name="owner"/> empty = no owner recorded.</summary>
    public async Task<CertificateWriteResult> PutAsync(string name, string chainPem, string keyPem, string owner, CertificateWriteMode mode)
    {
        var modeArg = mode switch
        {
            CertificateWriteMode.OwnedOnly => "owned-only",
            CertificateWriteMode.Force => "force",
            _ => "claim",
        };
        var result = await RedisScript.PutCertificate.EvaluateAsync(redis.Db, [keys.Certificate(name), keys.CertificateOwnersOf(name)],
            [name, owner, modeArg, chainPem, keyPem, keys.ChangedChannel]).ConfigureAwait(false);
        var status = (string)result!;
        return status switch
        {
            "written" => new CertificateWriteResult(name, CertificateWriteOutcome.Written),
            "unchanged" => new CertificateWriteResult(name, CertificateWriteOutcome.Unchanged),
            _ => new CertificateWriteResult(name, CertificateWriteOutcome.Conflict, status["conflict:".Length..]),
        };
    }

    /// <summary>Removes a certificate name whole; with <paramref name="requiredOwner"/>, only when that writer owns it.</summary>
    public async Task<RemoveResult> RemoveAsync(string name, string? requiredOwner)
    {
        var result = await RedisScript.RemoveCertificate.EvaluateAsync(redis.Db, [keys.Certificate(name), keys.CertificateOwnersOf(name)],
            [name, requiredOwner ?? string.Empty, keys.ChangedChannel]).ConfigureAwait(false);
        return RemoveResult.FromScript((string)result!);
    }

    /// <summary>Every certificate name with an owner, and that owner (names written by hand have none).</summary>
    public async Task<IReadOnlyDictionary<string, string>> OwnersAsync()
    {
        return await ClusterOwners.AllAsync(redis, keys.CertificateOwners, RedisKeys.CertificateOwnersPart).ConfigureAwait(false);
    }

    /// <summary>Every certificate name, sorted, found with SCAN (never KEYS).</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync()
    {
        var names = new List<string>();
        await foreach (var name in KeyScan.RouteNamesAsync(redis, RedisKeys.CertificatePart).ConfigureAwait(false))
        {
            names.Add(name);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Reads many certificates, pipelined; names with no stored chain are left out.</summary>
    public async Task<IReadOnlyList<StoredCertificate>> ReadAsync(IReadOnlyList<string> names)
    {
        var db = redis.Db;
        var owners = keys.HashTags ? null : db.HashGetAllAsync(keys.CertificateOwners);
        var ownerOf = keys.HashTags ? names.Select(n => db.HashGetAsync(keys.CertificateOwnersOf(n), n)).ToArray() : null;
        var reads = names.Select(n => db.HashGetAsync(keys.Certificate(n), [RedisKeys.ChainField, RedisKeys.KeyField])).ToArray();
        var ownerMap = owners is null ? [] : (await owners.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var result = new List<StoredCertificate>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var fields = await reads[i].ConfigureAwait(false);
            if (fields[0].IsNull)
            {
                continue;
            }

            result.Add(new StoredCertificate(names[i], (string)fields[0]!, (string?)fields[1] ?? string.Empty, ownerOf is null ? ownerMap.GetValueOrDefault(names[i]) : (string?)await ownerOf[i].ConfigureAwait(false)));
        }

        return result;
    }

    /// <summary>The certificate stored under exactly <paramref name="name"/>, or null.</summary>
    public async Task<StoredCertificate?> GetAsync(string name) => (await ReadAsync([name]).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>
    /// The certificate a router gives handshakes for <paramref name="host"/>: the exact name, else <c>*.</c> + its parent
    /// (one label, RFC 6125), else null (the router's default certificate).
    /// </summary>
    public async Task<StoredCertificate?> FindForHostAsync(string host)
    {
        if (await GetAsync(host).ConfigureAwait(false) is { } exact)
        {
            return exact;
        }

        // The same candidates, in the same order, as the router's handshakes (CertificateReader).
        return CertificateReader.WildcardOf(host) is { } wildcard ? await GetAsync(wildcard).ConfigureAwait(false) : null;
    }
}
