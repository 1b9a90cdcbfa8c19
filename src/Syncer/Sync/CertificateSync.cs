using Entrance.Core.Store;
using Entrance.Syncer.Mapping;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Sync;

/// <summary>
/// The certificate half of a sync pass, diffed like routes: writes only names whose chain or key changed since the
/// last successful write (everything on a full resync), as owner <c>syncer</c> and never over a certificate someone
/// else owns; removes names it owns that no Ingress lists any more. A name whose Secret is missing or unusable is held:
/// neither written nor removed, so the previous good certificate keeps being served.
/// </summary>
internal sealed class CertificateSync(string ingressClass, string owner, SyncStats stats, ILogger logger)
{
    private readonly CertificateMapper _mapper = new(ingressClass);
    private readonly Dictionary<string, string> _conflicts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _countedInvalid = new(StringComparer.Ordinal);
    private Dictionary<string, DesiredCertificate> _applied = new(StringComparer.Ordinal);

    /// <summary>Forgets what was written, so the next pass (a new leadership term) writes everything.</summary>
    public void Reset() => _applied.Clear();

    public async Task SyncAsync(CertificateWriter writer, IEnumerable<V1Ingress> ingresses, IEnumerable<V1Secret> secrets, bool full,
        Action ensureLeader, Action<IReadOnlyList<string>> logWarnings)
    {
        var mapping = _mapper.Map(ingresses, secrets, DateTimeOffset.UtcNow);
        logWarnings(mapping.Warnings);
        CountInvalid(mapping.InvalidSecrets);

        var desired = mapping.Certificates;
        var toRemove = new HashSet<string>(_applied.Keys.Where(k => !desired.ContainsKey(k) && !mapping.Held.Contains(k)), StringComparer.Ordinal);
        if (full)
        {
            foreach (var (name, current) in await writer.OwnersAsync().ConfigureAwait(false))
            {
                if (current == owner && !desired.ContainsKey(name) && !mapping.Held.Contains(name))
                {
                    toRemove.Add(name);
                }
            }
        }

        var applied = new Dictionary<string, DesiredCertificate>(StringComparer.Ordinal);
        foreach (var name in mapping.Held)
        {
            if (_applied.TryGetValue(name, out var previous))
            {
                applied[name] = previous;
            }
        }

        foreach (var cert in desired.Values)
        {
            if (!full && _applied.TryGetValue(cert.Name, out var old) && old.SameAs(cert))
            {
                applied[cert.Name] = old;
                continue;
            }

            ensureLeader();
            var result = await writer.PutAsync(cert.Name, cert.Chain, cert.Key, owner, CertificateWriteMode.OwnedOnly).ConfigureAwait(false);
            if (result.Outcome == CertificateWriteOutcome.Conflict)
            {
                Interlocked.Increment(ref stats.Conflicts);
                if (!_conflicts.TryGetValue(cert.Name, out var known) || known != result.Owner)
                {
                    _conflicts[cert.Name] = result.Owner!;
                    logger.LogWarning("conflict: certificate {Name} from {Source} is owned by {Owner} in Redis; left untouched", cert.Name, cert.Source, result.Owner);
                }

                continue;
            }

            _conflicts.Remove(cert.Name);
            applied[cert.Name] = cert;
            if (result.Outcome == CertificateWriteOutcome.Written)
            {
                Interlocked.Increment(ref stats.CertificateWrites);
                logger.LogInformation("certificate {Name} written from {Source}", cert.Name, cert.Source);
            }
        }

        foreach (var name in toRemove)
        {
            ensureLeader();
            var outcome = await writer.RemoveAsync(name, requiredOwner: owner).ConfigureAwait(false);
            _conflicts.Remove(name);
            if (outcome.Outcome == RemoveOutcome.Removed)
            {
                Interlocked.Increment(ref stats.CertificateRemovals);
                logger.LogInformation("certificate {Name} removed: no Ingress lists it any more", name);
            }
        }

        _applied = applied;
        stats.CertificatesOwned = applied.Count;
    }

    private void CountInvalid(IReadOnlySet<string> invalid)
    {
        // Once per Secret version, not per pass: the counter tells how many bad Secret versions were seen.
        if (_countedInvalid.Count > 10_000)
        {
            _countedInvalid.Clear();
        }

        foreach (var id in invalid)
        {
            if (_countedInvalid.Add(id))
            {
                Interlocked.Increment(ref stats.InvalidSecrets);
            }
        }
    }
}
