using System.Text;
using Entrance.Core.Certificates;
using Entrance.Core.Hosts;
using Entrance.Syncer.Kubernetes;
using k8s.Models;

namespace Entrance.Syncer.Mapping;

/// <summary>A certificate as Kubernetes wants it under one name: the PEM pair of the Secret an Ingress's <c>spec.tls[]</c> names.</summary>
public sealed record DesiredCertificate(string Name, string Chain, string Key, string Source)
{
    public bool SameAs(DesiredCertificate other) => Name == other.Name && Chain == other.Chain && Key == other.Key;
}

/// <summary>
/// The certificates Redis should hold; <see cref="Held"/> are names still published whose Secret is missing or unusable
/// (the certificate already in Redis stays); <see cref="InvalidSecrets"/> are <c>ns/name@resourceVersion</c> of bad Secrets.
/// </summary>
public sealed record CertificateMapping(
    IReadOnlyDictionary<string, DesiredCertificate> Certificates, IReadOnlySet<string> Held, IReadOnlyList<string> Warnings, IReadOnlySet<string> InvalidSecrets);

/// <summary>
/// Turns the <c>spec.tls[]</c> of Ingresses of our class and the <c>kubernetes.io/tls</c> Secrets they name (same
/// namespace) into one certificate per listed host. A Secret's PEM is parsed once per resourceVersion, not per pass.
/// </summary>
public sealed class CertificateMapper(string ingressClass)
{
    private Dictionary<string, (string ResourceVersion, string? Problem, CertificateInfo? Info)> _checked = new(StringComparer.Ordinal);

    public CertificateMapping Map(IEnumerable<V1Ingress> ingresses, IEnumerable<V1Secret> secrets, DateTimeOffset now)
    {
        var secretsByKey = secrets.ToDictionary(s => s.Key(), StringComparer.Ordinal);
        var certificates = new Dictionary<string, DesiredCertificate>(StringComparer.Ordinal);
        var held = new HashSet<string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        var invalid = new HashSet<string>(StringComparer.Ordinal);
        var checkedNow = new Dictionary<string, (string ResourceVersion, string? Problem, CertificateInfo? Info)>(StringComparer.Ordinal);

        // Ingresses in name order: a host listed twice always gets the same Secret.
        foreach (var ingress in ingresses.Where(i => i.Spec?.IngressClassName == ingressClass).OrderBy(i => i.Key(), StringComparer.Ordinal))
        {
            var source = $"ingress/{ingress.Key()}";
            foreach (var tls in ingress.Spec.Tls ?? [])
            {
                var names = new List<string>();
                foreach (var raw in tls.Hosts ?? [])
                {
                    var name = (raw ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
                    if (name == HostName.CatchAll || !HostName.IsValidRouteName(name, out var error))
                    {
                        warnings.Add($"{source}: tls host '{raw}' is invalid; skipped");
                        continue;
                    }

                    if (!certificates.ContainsKey(name) && !held.Contains(name))
                    {
                        names.Add(name);
                    }
                }

                if (names.Count == 0)
                {
                    if (tls.Hosts is not { Count: > 0 })
                    {
                        warnings.Add($"{source}: a tls entry without hosts is skipped (Entrance stores certificates per host name)");
                    }

                    continue;
                }

                var secretKey = $"{ingress.Metadata.NamespaceProperty}/{tls.SecretName}";
                if (string.IsNullOrEmpty(tls.SecretName) || !secretsByKey.TryGetValue(secretKey, out var secret))
                {
                    warnings.Add($"{source}: tls secret '{secretKey}' (type kubernetes.io/tls) not found; the certificates in Redis for {string.Join(", ", names)} stay as they are");
                    held.UnionWith(names);
                    continue;
                }

                var chain = Text(secret, "tls.crt");
                var key = Text(secret, "tls.key");
                var rv = secret.Metadata?.ResourceVersion ?? string.Empty;
                var check = _checked.TryGetValue(secretKey, out var c) && c.ResourceVersion == rv ? c : Check(rv, chain, key);
                checkedNow[secretKey] = check;
                if (check.Problem is { } problem)
                {
                    warnings.Add($"{source}: tls secret '{secretKey}' (resourceVersion {rv}) is unusable ({problem}); nothing written for it, the previous certificate stays");
                    invalid.Add($"{secretKey}@{rv}");
                    held.UnionWith(names);
                    continue;
                }

                if (check.Info is { } info && now >= info.NotAfter)
                {
                    warnings.Add($"{source}: tls secret '{secretKey}' holds a certificate that expired on {info.NotAfter:u}; routers serve their default certificate for it");
                }

                foreach (var name in names)
                {
                    certificates[name] = new DesiredCertificate(name, chain, key, $"{source} secret {tls.SecretName}");
                }
            }
        }

        _checked = checkedNow;
        return new CertificateMapping(certificates, held, warnings, invalid);
    }

    private static (string ResourceVersion, string? Problem, CertificateInfo? Info) Check(string rv, string chain, string key)
    {
        try
        {
            using var loaded = CertificatePem.Load(chain, key);
            return (rv, null, loaded.Info);
        }
        catch (CertificateProblemException e)
        {
            return (rv, e.Message, null);
        }
    }

    private static string Text(V1Secret secret, string field) =>
        secret.Data is { } data && data.TryGetValue(field, out var bytes) && bytes is not null ? Encoding.UTF8.GetString(bytes)
        : secret.StringData is { } s && s.TryGetValue(field, out var text) ? text ?? string.Empty
        : string.Empty;
}
