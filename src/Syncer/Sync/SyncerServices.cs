using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Entrance.Syncer.Sync;

public static class SyncerServices
{
    /// <summary>
    /// The Kubernetes client (from the resolved kubeconfig or in-cluster config), the Redis link and the runtime.
    /// Resolving <see cref="SyncerRuntime"/> validates all of them without connecting anywhere.
    /// </summary>
    public static IServiceCollection AddSyncerRuntime(this IServiceCollection services)
    {
        services.AddSingleton(sp => KubeConfig.Resolve(sp.GetRequiredService<IOptions<KubernetesOptions>>().Value.Kubeconfig));
        services.AddSingleton<IKubernetes>(sp => new k8s.Kubernetes(sp.GetRequiredService<KubeConfig>().Client));
        services.AddSingleton<RedisLink>();
        services.AddSingleton<SyncerRuntime>();
        return services;
    }
}
