using Entrance.Core.Store;
using Entrance.Syncer.Kubernetes;
using k8s.Models;

namespace Entrance.Syncer.Mapping;

/// <summary>A TCP route as Kubernetes wants it: a router port relayed to these <c>host:port</c> endpoints.</summary>
public sealed record DesiredTcpRoute(int Port, IReadOnlyList<string> Backends, IReadOnlyDictionary<string, string> Settings, string Source)
{
    public bool SameAs(DesiredTcpRoute other) =>
        Port == other.Port && Backends.SequenceEqual(other.Backends) &&
        Settings.Count == other.Settings.Count && Settings.All(s => other.Settings.TryGetValue(s.Key, out var v) && v == s.Value);
}

public sealed record TcpMappingResult(IReadOnlyDictionary<int, DesiredTcpRoute> Routes, IReadOnlyList<string> Warnings);

/// <summary>
/// Services annotated <c>entrance.io/tcp-port: "30001"</c> become TCP routes to their ready endpoints, on the Service
/// port picked by <c>entrance.io/port</c> (default the first). <c>entrance.io/lb</c> is kept when it is a TCP policy.
/// Pure, like <see cref="RouteMapper"/>: a port claimed twice goes to the first Service in name order.
/// </summary>
public static class TcpRouteMapper
{
    public static TcpMappingResult Map(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices)
    {
        var warnings = new List<string>();
        var routes = new Dictionary<int, DesiredTcpRoute>();
        var slicesByService = slices
            .Where(s => Annotations.Get(s.Metadata.Labels, Annotations.ServiceNameLabel) is { Length: > 0 })
            .ToLookup(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Labels![Annotations.ServiceNameLabel]}", StringComparer.Ordinal);
        foreach (var service in services.OrderBy(s => s.Key(), StringComparer.Ordinal))
        {
            var annotations = service.Metadata.Annotations;
            if (Annotations.Get(annotations, Annotations.TcpPort) is not { } rawPort)
            {
                continue;
            }

            var source = $"service/{service.Key()}";
            if (!TcpRouteRules.TryPort(rawPort.Trim(), out var port, out var portError))
            {
                warnings.Add($"{source}: {Annotations.TcpPort}: {portError}; skipped");
                continue;
            }

            var servicePort = RouteMapper.FindServicePort(service, Annotations.Get(annotations, Annotations.Port), out var error);
            if (servicePort is null)
            {
                warnings.Add($"{source}: {error}; TCP port {port} skipped");
                continue;
            }

            if (routes.TryGetValue(port, out var first))
            {
                warnings.Add($"TCP port {port} is claimed by {first.Source} and {source}; {first.Source} wins");
                continue;
            }

            // The HTTP mapper's endpoint selection, with a scheme that is then cut off: host:port, IPv6 bracketed.
            var backends = RouteMapper.Backends(slicesByService[service.Key()], servicePort, "tcp").Select(u => u["tcp://".Length..]).ToList();
            var settings = new Dictionary<string, string>(StringComparer.Ordinal) { [TcpRouteRules.LbField] = string.Empty };
            if (Annotations.Get(annotations, Annotations.Lb)?.Trim() is { Length: > 0 } lb)
            {
                if (TcpRouteRules.TrySetting(TcpRouteRules.LbField, lb, out var lbError))
                {
                    settings[TcpRouteRules.LbField] = lb;
                }
                else
                {
                    warnings.Add($"{source}: {lbError} for TCP port {port}; the router's default is used");
                }
            }

            routes[port] = new DesiredTcpRoute(port, backends, settings, source);
        }

        return new TcpMappingResult(routes, warnings);
    }
}
