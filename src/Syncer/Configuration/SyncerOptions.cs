namespace Entrance.Syncer.Configuration;

/// <summary>The <c>Syncer</c> configuration section.</summary>
public sealed class SyncerOptions
{
    public const string Section = "Syncer";

    /// <summary>Namespaces to watch; empty for all namespaces.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Ingresses whose <c>spec.ingressClassName</c> is this are published.</summary>
    public string IngressClass { get; set; } = "entrance";

    /// <summary>
    /// Ingress <c>spec.tls[]</c> → certificates in Redis, which needs get/list/watch on Secrets. Off: no Secrets watch
    /// (for a cluster whose RBAC was not updated, or where certificates come from elsewhere); routes sync as before.
    /// </summary>
    public bool IngressTls { get; set; } = true;

    /// <summary>Full resync: map every object again and rewrite every host, repairing keys edited or deleted by hand.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Server-side timeout of one watch request (randomised up to twice this).</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First delay after a failed list/watch/write; doubles up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The owner recorded in <c>entrance:owners</c>.</summary>
    public string Owner { get; set; } = "syncer";
}

/// <summary>The <c>Syncer:LeaderElection</c> section; defaults are client-go's.</summary>
public sealed class LeaderElectionOptions
{
    public const string Section = "Syncer:LeaderElection";

    /// <summary>Off only for a single replica (e.g. local runs): then this instance always writes.</summary>
    public bool Enabled { get; set; } = true;

    public string LeaseName { get; set; } = "entrance-syncer";

    /// <summary>The Lease's namespace; default the pod's (in-cluster) or the kubeconfig context's, else <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>Holder identity; default POD_NAME, else host name + pid.</summary>
    public string? Identity { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On a clean shutdown, hand the lease back so a standby takes over at once instead of after LeaseDuration.</summary>
    public bool ReleaseOnCancel { get; set; } = true;
}

/// <summary>The <c>Kubernetes</c> section.</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Kubernetes";

    /// <summary>A kubeconfig path; empty: KUBECONFIG, else in-cluster, else ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }
}

/// <summary>The <c>Entrance</c> section (shared names with the router).</summary>
public sealed class RedisOptions
{
    public const string Section = "Entrance";

    public string Redis { get; set; } = "localhost:6379";

    /// <summary>A PEM file with the CA that signed Redis's TLS certificate (with <c>ssl=true</c> or <c>rediss://</c>).</summary>
    public string? RedisCaFile { get; set; }

    public string KeyPrefix { get; set; } = string.Empty;
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
