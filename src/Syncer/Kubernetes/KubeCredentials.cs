using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Entrance.Syncer.Kubernetes;

/// <summary>
/// How to reach and authenticate to an API server: from a kubeconfig file or from inside a pod. A token read from a
/// file (the projected service-account token rotates hourly) is re-read once a minute and after every 401.
/// </summary>
public sealed class KubeCredentials
{
    public const string InClusterTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public const string InClusterCaPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    public const string InClusterNamespacePath = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    private static readonly TimeSpan TokenRefresh = TimeSpan.FromMinutes(1);
    private readonly object _gate = new();
    private string? _token;
    private DateTime _tokenReadAt;

    public required Uri Server { get; init; }
    public string? StaticToken { get; init; }
    public string? TokenFile { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }
    public X509Certificate2Collection? CertificateAuthorities { get; init; }
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The namespace of the current context or of the pod, for the Lease when none is configured.</summary>
    public string? Namespace { get; init; }

    /// <summary>Where these came from, for logs: a kubeconfig path and context, or in-cluster.</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>The bearer token to send now, or null. <paramref name="forceReread"/> after a 401.</summary>
    public string? Token(bool forceReread = false)
    {
        if (TokenFile is null)
        {
            return StaticToken;
        }

        lock (_gate)
        {
            if (forceReread || _token is null || DateTime.UtcNow - _tokenReadAt > TokenRefresh)
            {
                try
                {
                    _token = File.ReadAllText(TokenFile).Trim();
                    _tokenReadAt = DateTime.UtcNow;
                }
                catch (IOException) when (_token is not null)
                {
                    // Mid-rotation: keep the old token until the next read succeeds.
                }
            }

            return _token;
        }
    }

    /// <summary>The explicit path, else KUBECONFIG, else in-cluster, else ~/.kube/config.</summary>
    public static KubeCredentials Resolve(string? kubeconfigPath)
    {
        if (!string.IsNullOrWhiteSpace(kubeconfigPath))
        {
            return FromKubeconfig(kubeconfigPath);
        }

        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
        {
            // KUBECONFIG may list several files; the first one that exists is used (merging is not supported).
            var first = env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException($"KUBECONFIG names no existing file: {env}");
            return FromKubeconfig(first);
        }

        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 })
        {
            return InCluster();
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (File.Exists(home))
        {
            return FromKubeconfig(home);
        }

        throw new InvalidOperationException("no Kubernetes credentials: set Kubernetes:Kubeconfig or KUBECONFIG, or run in a pod");
    }

    public static KubeCredentials InCluster(string tokenPath = InClusterTokenPath, string caPath = InClusterCaPath, string namespacePath = InClusterNamespacePath)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new InvalidOperationException("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
        }

        if (!File.Exists(tokenPath))
        {
            throw new InvalidOperationException($"not in a cluster: no service-account token at {tokenPath}");
        }

        var hostPart = host.Contains(':') ? $"[{host}]" : host;
        return new KubeCredentials
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            TokenFile = tokenPath,
            CertificateAuthorities = File.Exists(caPath) ? LoadPemBundle(File.ReadAllText(caPath)) : null,
            Namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : null,
            Source = "in-cluster",
        };
    }

    public static KubeCredentials FromKubeconfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"kubeconfig not found: {path}");
        }

        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path)))
        {
            yaml.Load(reader);
        }

        var root = yaml.Documents.FirstOrDefault()?.RootNode as YamlMappingNode
            ?? throw new InvalidOperationException($"kubeconfig {path} is empty");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var contextName = Scalar(root, "current-context") ?? throw new InvalidOperationException($"kubeconfig {path} has no current-context");
        var context = Named(root, "contexts", contextName, "context") ?? throw new InvalidOperationException($"kubeconfig {path}: context '{contextName}' not found");
        var clusterName = Scalar(context, "cluster") ?? throw new InvalidOperationException($"kubeconfig {path}: context '{contextName}' names no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster") ?? throw new InvalidOperationException($"kubeconfig {path}: cluster '{clusterName}' not found");
        var userName = Scalar(context, "user");
        var user = userName is null ? null : Named(root, "users", userName, "user");

        var server = Scalar(cluster, "server") ?? throw new InvalidOperationException($"kubeconfig {path}: cluster '{clusterName}' has no server");
        X509Certificate2Collection? cas = null;
        if (Scalar(cluster, "certificate-authority-data") is { } caData)
        {
            cas = LoadPemBundle(Encoding.UTF8.GetString(Convert.FromBase64String(caData)));
        }
        else if (Scalar(cluster, "certificate-authority") is { } caFile)
        {
            cas = LoadPemBundle(File.ReadAllText(Rooted(dir, caFile)));
        }

        X509Certificate2? clientCert = null;
        if (user is not null)
        {
            var certPem = Scalar(user, "client-certificate-data") is { } cd ? Encoding.UTF8.GetString(Convert.FromBase64String(cd))
                : Scalar(user, "client-certificate") is { } cf ? File.ReadAllText(Rooted(dir, cf)) : null;
            var keyPem = Scalar(user, "client-key-data") is { } kd ? Encoding.UTF8.GetString(Convert.FromBase64String(kd))
                : Scalar(user, "client-key") is { } kf ? File.ReadAllText(Rooted(dir, kf)) : null;
            if (certPem is not null && keyPem is not null)
            {
                using var pem = X509Certificate2.CreateFromPem(certPem, keyPem);
                // SslStream on Linux needs the key in an exportable, non-ephemeral form.
                clientCert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
        }

        var tokenFile = user is null ? null : Scalar(user, "tokenFile");
        return new KubeCredentials
        {
            Server = new Uri(server),
            StaticToken = user is null ? null : Scalar(user, "token"),
            TokenFile = tokenFile is null ? null : Rooted(dir, tokenFile),
            ClientCertificate = clientCert,
            CertificateAuthorities = cas,
            InsecureSkipTlsVerify = string.Equals(Scalar(cluster, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase),
            Namespace = Scalar(context, "namespace"),
            Source = $"kubeconfig {path}, context {contextName}",
        };
    }

    /// <summary>An HttpClient handler that trusts the configured CA (only it) and presents the client certificate.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        };
        if (ClientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [ClientCertificate];
        }

        if (InsecureSkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (CertificateAuthorities is { Count: > 0 } cas)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(cas);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return handler;
    }

    internal static X509Certificate2Collection LoadPemBundle(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        if (collection.Count == 0)
        {
            throw new InvalidOperationException("the certificate-authority bundle holds no PEM certificate");
        }

        return collection;
    }

    private static string Rooted(string dir, string file) => Path.IsPathRooted(file) ? file : Path.Combine(dir, file);

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s && !string.IsNullOrEmpty(s.Value) ? s.Value : null;

    /// <summary>kubeconfig's named lists: <c>clusters: [{name: x, cluster: {...}}]</c>.</summary>
    private static YamlMappingNode? Named(YamlMappingNode root, string list, string name, string inner)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(list), out var node) || node is not YamlSequenceNode seq)
        {
            return null;
        }

        foreach (var entry in seq.Children.OfType<YamlMappingNode>())
        {
            if (Scalar(entry, "name") == name)
            {
                return entry.Children.TryGetValue(new YamlScalarNode(inner), out var v) && v is YamlMappingNode m ? m : new YamlMappingNode();
            }
        }

        return null;
    }
}
