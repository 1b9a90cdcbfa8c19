using k8s;
using k8s.Exceptions;

namespace Entrance.Syncer.Kubernetes;

/// <summary>
/// Where the Syncer talks to Kubernetes and as whom: the library's configuration (every auth method it supports —
/// client certificates, tokens and token files, <c>exec</c> credential plugins, in-cluster service accounts), plus
/// where it came from for the logs.
/// </summary>
public sealed record KubeConfig(KubernetesClientConfiguration Client, string Source)
{
    /// <summary>The namespace of the kubeconfig context or of the pod, for the Lease when none is configured.</summary>
    public string? Namespace => Client.Namespace;

    /// <summary>
    /// In order: <paramref name="explicitPath"/> (Kubernetes:Kubeconfig); else KUBECONFIG (its first existing file); else in-cluster; else ~/.kube/config. Mistakes become one-line
    /// <see cref="InvalidOperationException"/>s so the Syncer stops at start saying what is wrong.
    /// </summary>
    public static KubeConfig Resolve(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return FromFile(explicitPath);
        }

        var fromEnv = (Environment.GetEnvironmentVariable("KUBECONFIG") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(File.Exists).ToList();
        if (fromEnv.Count > 0)
        {
            return FromFile(fromEnv[0]);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return Wrap("in-cluster service account", () => new KubeConfig(KubernetesClientConfiguration.InClusterConfig(), "in-cluster"));
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (File.Exists(home))
        {
            return FromFile(home);
        }

        throw new InvalidOperationException(
            "no Kubernetes credentials: set Kubernetes:Kubeconfig or KUBECONFIG, run in a pod, or provide ~/.kube/config");
    }

    private static KubeConfig FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"kubeconfig not found: {path}");
        }

        return Wrap($"kubeconfig {path}", () =>
        {
            var client = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            client.HttpClientTimeout = TimeSpan.FromSeconds(30);
            return new KubeConfig(client, $"kubeconfig {path}, context {client.CurrentContext}");
        });
    }

    private static KubeConfig Wrap(string what, Func<KubeConfig> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is KubeConfigException or KubernetesClientException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException
                                      or FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{what}: {e.Message}", e);
        }
    }
}
