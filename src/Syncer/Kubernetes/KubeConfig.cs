using k8s;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.RepresentationModel;

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
    /// In order: <paramref name="explicitPath"/> (Kubernetes:Kubeconfig); else KUBECONFIG (its first existing file);
    /// else in-cluster; else ~/.kube/config. Mistakes become one-line <see cref="InvalidOperationException"/>s so the
    /// Syncer stops at start saying what is wrong.
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
            var kubeconfig = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path), useRelativePaths: true);
            var tokenFile = TokenFileOf(path, kubeconfig);
            var client = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig);
            if (tokenFile is not null)
            {
                // The library reads no tokenFile; its TokenFileAuth re-reads the file every minute (projected tokens rotate).
                client.AccessToken = null;
                client.TokenProvider = new TokenFileAuth(tokenFile);
            }

            return new KubeConfig(client, $"kubeconfig {path}, context {client.CurrentContext}");
        });
    }

    /// <summary>
    /// The current user's <c>tokenFile</c> (rooted at the kubeconfig's folder), which the library's model drops; as in
    /// client-go a <c>token</c> wins over it. The user gets a placeholder token so the library accepts it; the file's
    /// token is what is sent.
    /// </summary>
    private static string? TokenFileOf(string path, K8SConfiguration kubeconfig)
    {
        var userName = kubeconfig.Contexts?.FirstOrDefault(c => c.Name == kubeconfig.CurrentContext)?.ContextDetails?.User;
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path)))
        {
            yaml.Load(reader);
        }

        var users = Child(yaml.Documents.FirstOrDefault()?.RootNode, "users") as YamlSequenceNode;
        var user = Child(users?.Children.FirstOrDefault(u => (Child(u, "name") as YamlScalarNode)?.Value == userName), "user");
        if ((Child(user, "tokenFile") as YamlScalarNode)?.Value is not { Length: > 0 } file)
        {
            return null;
        }

        var credentials = kubeconfig.Users!.First(u => u.Name == userName).UserCredentials;
        if (!string.IsNullOrEmpty(credentials.Token))
        {
            return null;
        }

        credentials.Token = "(tokenFile)";
        return Path.IsPathRooted(file) ? file : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, file);
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static KubeConfig Wrap(string what, Func<KubeConfig> build)
    {
        try
        {
            var config = build();
            // Plain requests only (the old client's per-request timeout); watches are not bound by it.
            config.Client.HttpClientTimeout = TimeSpan.FromSeconds(30);
            return config;
        }
        catch (Exception e) when (e is KubeConfigException or KubernetesClientException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException
                                      or FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{what}: {e.Message}", e);
        }
    }
}
