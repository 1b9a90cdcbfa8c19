using k8s;
using k8s.Models;

namespace Entrance.Syncer.Kubernetes;

/// <summary>
/// One kind in one scope (a namespace, or all) as the library's calls: one page of a LIST, and a WATCH from a
/// resourceVersion with bookmarks (the library hands ERROR events and undecodable lines to the callback). <see cref="Name"/> is the short name for logs and metrics.
/// </summary>
public sealed record KubeKind<T, TList>(
    string Name,
    Func<string?, CancellationToken, Task<TList>> ListPage,
    Func<string, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch)
    where T : IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>;

/// <summary>The kinds the Syncer watches, on the library's typed client.</summary>
public static class KubeKinds
{
    /// <summary>LIST page size, as the apiserver recommends for large clusters (all pages come from one snapshot).</summary>
    private const int PageSize = 500;

    public static KubeKind<V1Service, V1ServiceList> Services(IKubernetes k, string? ns) => new("service",
        (cont, ct) => ns is null
            ? k.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : k.CoreV1.ListNamespacedServiceAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct),
        (rv, timeout, onError, ct) => ns is null
            ? k.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
            : k.CoreV1.WatchListNamespacedServiceAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct));

    public static KubeKind<V1EndpointSlice, V1EndpointSliceList> EndpointSlices(IKubernetes k, string? ns) => new("endpointslice",
        (cont, ct) => ns is null
            ? k.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : k.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct),
        (rv, timeout, onError, ct) => ns is null
            ? k.DiscoveryV1.WatchListEndpointSliceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
            : k.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct));

    public static KubeKind<V1Ingress, V1IngressList> Ingresses(IKubernetes k, string? ns) => new("ingress",
        (cont, ct) => ns is null
            ? k.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : k.NetworkingV1.ListNamespacedIngressAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct),
        (rv, timeout, onError, ct) => ns is null
            ? k.NetworkingV1.WatchListIngressForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
            : k.NetworkingV1.WatchListNamespacedIngressAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct));

    /// <summary>The field selector that keeps the Secrets cache to TLS Secrets only (Ingress <c>spec.tls[].secretName</c> must name one).</summary>
    public const string TlsSecretSelector = "type=kubernetes.io/tls";

    /// <summary>Secrets of type <c>kubernetes.io/tls</c> only, selected by the apiserver so other Secrets never reach the cache.</summary>
    public static KubeKind<V1Secret, V1SecretList> TlsSecrets(IKubernetes k, string? ns) => new("secret",
        (cont, ct) => ns is null
            ? k.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: cont, fieldSelector: TlsSecretSelector, limit: PageSize, cancellationToken: ct)
            : k.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: cont, fieldSelector: TlsSecretSelector, limit: PageSize, cancellationToken: ct),
        (rv, timeout, onError, ct) => ns is null
            ? k.CoreV1.WatchListSecretForAllNamespacesAsync(allowWatchBookmarks: true, fieldSelector: TlsSecretSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
            : k.CoreV1.WatchListNamespacedSecretAsync(ns, allowWatchBookmarks: true, fieldSelector: TlsSecretSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct));

    /// <summary>namespace/name, the cache key.</summary>
    public static string Key(this IKubernetesObject<V1ObjectMeta> o) => $"{o.Metadata?.NamespaceProperty}/{o.Metadata?.Name}";
}
