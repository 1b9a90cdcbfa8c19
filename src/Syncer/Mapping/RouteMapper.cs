using System.Net;
using System.Net.Sockets;
using Entrance.Core.Hosts;
using Entrance.Core.Schema;
using Entrance.Syncer.Kubernetes;
using k8s.Models;

namespace Entrance.Syncer.Mapping;

/// <summary>
/// Turns Services (annotated), Ingresses (of our class) and EndpointSlices into the routes Redis should hold.
/// Pure: the same objects always give the same routes, so a full resync is just "map again and apply".
/// </summary>
public sealed class RouteMapper(string ingressClass)
{
    public MappingResult Map(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, IEnumerable<V1Ingress> ingresses)
    {
        var warnings = new List<string>();
        var serviceIndex = services.ToDictionary(s => s.Key(), StringComparer.Ordinal);
        var slicesByService = slices
            .Where(s => Annotations.Get(s.Metadata.Labels, Annotations.ServiceNameLabel) is { Length: > 0 })
            .ToLookup(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Labels![Annotations.ServiceNameLabel]}", StringComparer.Ordinal);
        var hosts = new Dictionary<string, DesiredRoute>(StringComparer.Ordinal);

        void Claim(DesiredRoute host)
        {
            if (hosts.TryGetValue(host.Name, out var first))
            {
                warnings.Add($"host {host.Name} is claimed by {first.Source} and {host.Source}; {first.Source} wins");
                return;
            }

            hosts[host.Name] = host;
        }

        // Services first, then Ingresses, each in name order: a host claimed twice always goes to the same object.
        foreach (var service in serviceIndex.Values.OrderBy(s => s.Key(), StringComparer.Ordinal))
        {
            var annotations = service.Metadata.Annotations;
            if (Annotations.Get(annotations, Annotations.Hosts) is not { } hostList)
            {
                continue;
            }

            var source = $"service/{service.Key()}";
            var port = FindServicePort(service, Annotations.Get(annotations, Annotations.Port), out var portError);
            if (port is null)
            {
                warnings.Add($"{source}: {portError}; skipped");
                continue;
            }

            if (!BackendScheme.TryAnnotated(Annotations.Get(annotations, Annotations.Scheme), out var scheme, out var schemeError))
            {
                warnings.Add($"{source}: {schemeError}; skipped");
                continue;
            }

            var backends = Backends(slicesByService[service.Key()], port, BackendScheme.For(scheme, port));
            var settings = Settings(source, Annotations.Get(annotations, Annotations.Lb));
            foreach (var raw in hostList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Normalize(raw, out var name, out var error))
                {
                    Claim(new DesiredRoute(name, backends, settings, source));
                }
                else
                {
                    warnings.Add($"{source}: host '{raw}' in {Annotations.Hosts} is invalid ({error}); skipped");
                }
            }
        }

        foreach (var ingress in ingresses.OrderBy(i => i.Key(), StringComparer.Ordinal))
        {
            if (ingress.Spec?.IngressClassName != ingressClass)
            {
                continue;
            }

            var source = $"ingress/{ingress.Key()}";
            var lb = Annotations.Get(ingress.Metadata.Annotations, Annotations.Lb);
            if (!BackendScheme.TryAnnotated(Annotations.Get(ingress.Metadata.Annotations, Annotations.Scheme), out var scheme, out var schemeError))
            {
                warnings.Add($"{source}: {schemeError}; skipped");
                continue;
            }

            foreach (var rule in ingress.Spec.Rules ?? [])
            {
                if (string.IsNullOrEmpty(rule.Host))
                {
                    warnings.Add($"{source}: a rule without host is skipped (Entrance routes by host)");
                    continue;
                }

                if (!Normalize(rule.Host, out var name, out var hostError))
                {
                    warnings.Add($"{source}: host '{rule.Host}' is invalid ({hostError}); skipped");
                    continue;
                }

                foreach (var path in rule.Http?.Paths ?? [])
                {
                    var p = string.IsNullOrEmpty(path.Path) ? "/" : path.Path;
                    if (!IngressPaths.TryRouteName(name, p, path.PathType, out var routeName, out var exact, out var pathError))
                    {
                        warnings.Add($"{source}: host {name} path '{p}' ({path.PathType}) skipped: {pathError}");
                        continue;
                    }

                    var backendService = path.Backend?.Service;
                    if (backendService?.Name is not { Length: > 0 } serviceName)
                    {
                        warnings.Add($"{source}: host {name} path {p} has no service backend; skipped");
                        continue;
                    }

                    var serviceKey = $"{ingress.Metadata.NamespaceProperty}/{serviceName}";
                    IReadOnlyList<string> backends = [];
                    if (!serviceIndex.TryGetValue(serviceKey, out var service))
                    {
                        // Declared without backends until the Service exists: 502 rather than another route's answer.
                        warnings.Add($"{source}: host {name}: service {serviceKey} not found; published without backends");
                    }
                    else
                    {
                        var wanted = backendService.Port?.Number is { } number ? number.ToString() : backendService.Port?.Name;
                        var port = FindServicePort(service, wanted, out var portError);
                        if (port is null)
                        {
                            warnings.Add($"{source}: host {name}: service {serviceKey} {portError}; published without backends");
                        }
                        else
                        {
                            backends = Backends(slicesByService[serviceKey], port, BackendScheme.For(scheme, port));
                        }
                    }

                    Claim(new DesiredRoute(routeName, backends, IngressPaths.WithPathSettings(Settings(source, lb), routeName, exact), source));
                }
            }
        }

        return new MappingResult(hosts, warnings);
    }

    /// <summary>The port named or numbered by <paramref name="wanted"/>, or the first port when it is empty.</summary>
    internal static V1ServicePort? FindServicePort(V1Service service, string? wanted, out string error)
    {
        error = string.Empty;
        var ports = service.Spec?.Ports ?? [];
        if (ports.Count == 0)
        {
            error = "has no ports";
            return null;
        }

        if (string.IsNullOrWhiteSpace(wanted))
        {
            return ports[0];
        }

        wanted = wanted.Trim();
        var match = ports.FirstOrDefault(p => p.Name == wanted) ?? (int.TryParse(wanted, out var n) ? ports.FirstOrDefault(p => p.Port == n) : null);
        if (match is null)
        {
            error = $"has no port '{wanted}'";
        }

        return match;
    }

    /// <summary>Ready endpoints (ready true or unset, not terminating) on the slice port named like the Service port.</summary>
    internal static IReadOnlyList<string> Backends(IEnumerable<V1EndpointSlice> slices, V1ServicePort servicePort, string scheme)
    {
        var urls = new SortedSet<string>(StringComparer.Ordinal);
        var portName = servicePort.Name ?? string.Empty;
        foreach (var slice in slices)
        {
            if (slice.AddressType is not ("IPv4" or "IPv6"))
            {
                continue;
            }

            var port = slice.Ports?.FirstOrDefault(p => (p.Name ?? string.Empty) == portName)?.Port;
            if (port is null)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready == false || endpoint.Conditions?.Terminating == true)
                {
                    continue;
                }

                foreach (var address in endpoint.Addresses ?? [])
                {
                    if (IPAddress.TryParse(address, out var ip))
                    {
                        var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
                        urls.Add($"{scheme}://{host}:{port}");
                    }
                }
            }
        }

        return [.. urls];
    }

    private static Dictionary<string, string> Settings(string source, string? lb) => new(StringComparer.Ordinal)
    {
        [Annotations.SourceField] = source,
        // Empty deletes the field, so removing the annotation also removes the policy.
        [RedisKeys.LbField] = lb?.Trim() ?? string.Empty,
    };

    private static bool Normalize(string raw, out string name, out string error)
    {
        name = raw.Trim().TrimEnd('.').ToLowerInvariant();
        return HostName.IsValidRouteName(name, out error);
    }
}
