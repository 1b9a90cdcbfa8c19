using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Leadership;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entrance.Syncer.Sync;

/// <summary>
/// Everything one Syncer instance runs: informers per kind and namespace, the elector and the sync loop. Building it
/// only wires objects (its dependencies come from DI); <see cref="RunAsync"/> connects and starts the loops.
/// </summary>
public sealed class SyncerRuntime
{
    private readonly KubeConfig _kube;
    private readonly ILogger _logger;
    private readonly List<Func<CancellationToken, Task>> _loops = [];

    public SyncerRuntime(IKubernetes client, KubeConfig kube, RedisLink redis, IOptions<SyncerOptions> syncerOptions,
        IOptions<LeaderElectionOptions> electionOptions, ILoggerFactory loggers)
    {
        var options = syncerOptions.Value;
        _kube = kube;
        _logger = loggers.CreateLogger("Entrance.Syncer");
        Redis = redis;

        // One informer per kind and namespace (null: all namespaces).
        IReadOnlyList<string?> scopes = options.Namespaces.Count == 0 ? [null] : options.Namespaces.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => (string?)n.Trim()).Distinct().ToList();
        List<Informer<T, TList>> Make<T, TList>(Func<IKubernetes, string?, KubeKind<T, TList>> kindOf)
            where T : IKubernetesObject<V1ObjectMeta>
            where TList : IKubernetesObject<V1ListMeta>, IItems<T> =>
            scopes.Select(ns => kindOf(client, ns)).Select(kind => new Informer<T, TList>(kind, loggers.CreateLogger($"Entrance.Syncer.Informer.{kind.Name}"))
            {
                Backoff = new Backoff(options.InitialBackoff, options.MaxBackoff),
                WatchTimeout = options.WatchTimeout,
            }).ToList();
        var services = Make(KubeKinds.Services);
        var slices = Make(KubeKinds.EndpointSlices);
        var ingresses = Make(KubeKinds.Ingresses);
        var secrets = options.IngressTls ? Make(KubeKinds.TlsSecrets) : [];

        var election = electionOptions.Value;
        if (election.Enabled)
        {
            var elector = new LeaseElection(client, election, election.LeaseNamespace ?? kube.Namespace ?? "default", loggers.CreateLogger("Entrance.Syncer.Leadership"));
            Leadership = elector;
            _loops.Add(elector.RunAsync);
        }
        else
        {
            Leadership = new AlwaysLeader();
        }

        Engine = new SyncEngine(services, slices, ingresses, redis, Leadership, options, loggers.CreateLogger("Entrance.Syncer.Sync"), secrets)
        {
            Backoff = new Backoff(options.InitialBackoff, options.MaxBackoff),
        };
        _loops.Add(Engine.RunAsync);
        _loops.AddRange(services.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
        _loops.AddRange(slices.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
        _loops.AddRange(ingresses.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
        _loops.AddRange(secrets.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
    }

    public RedisLink Redis { get; }
    public ILeadership Leadership { get; }
    public SyncEngine Engine { get; }

    public async Task RunAsync(CancellationToken ct)
    {
        _logger.LogInformation("Kubernetes API {Server} ({Source})", _kube.Client.Host, _kube.Source);
        await Task.Run(Redis.Connect, ct).ConfigureAwait(false);
        await Task.WhenAll(_loops.Select(loop => Task.Run(() => loop(ct), CancellationToken.None))).ConfigureAwait(false);
    }
}

/// <summary>Runs the <see cref="SyncerRuntime"/> for the life of the host.</summary>
public sealed class SyncerWorker(SyncerRuntime runtime) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => runtime.RunAsync(stoppingToken);
}
