using Entrance.Core.Store;
using Entrance.Syncer.Configuration;
using Entrance.Syncer.Kubernetes;
using Entrance.Syncer.Leadership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entrance.Syncer.Sync;

/// <summary>Everything one Syncer instance runs: informers per kind and namespace, the elector and the sync loop.</summary>
public sealed class SyncerRuntime : IDisposable
{
    private readonly List<Func<CancellationToken, Task>> _loops = [];

    public SyncerRuntime(IOptions<SyncerOptions> syncerOptions, IOptions<KubernetesOptions> kubeOptions, IOptions<LeaderElectionOptions> electionOptions,
        IOptions<RedisOptions> redisOptions, ILoggerFactory loggers)
    {
        var options = syncerOptions.Value;
        var logger = loggers.CreateLogger("Entrance.Syncer");
        var credentials = KubeCredentials.Resolve(kubeOptions.Value.Kubeconfig);
        logger.LogInformation("Kubernetes API {Server} ({Source})", credentials.Server, credentials.Source);
        Client = new KubeClient(credentials);
        Redis = RouteWriterConnection.Connect(redisOptions.Value.Redis, redisOptions.Value.KeyPrefix, redisOptions.Value.RedisTimeout);

        // One informer per kind and namespace (null: all namespaces).
        IReadOnlyList<string?> scopes = options.Namespaces.Count == 0 ? [null] : options.Namespaces.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => (string?)n.Trim()).Distinct().ToList();
        Informer<T> Make<T>(KubeResource<T> r, string? ns) where T : KubeObject => new(Client, r, ns, loggers.CreateLogger($"Entrance.Syncer.Informer.{r.Name}"))
        {
            Backoff = new Backoff(options.InitialBackoff, options.MaxBackoff),
            WatchTimeout = options.WatchTimeout,
        };
        var services = scopes.Select(ns => Make(KubeResources.Services, ns)).ToList();
        var slices = scopes.Select(ns => Make(KubeResources.EndpointSlices, ns)).ToList();
        var ingresses = scopes.Select(ns => Make(KubeResources.Ingresses, ns)).ToList();

        var election = electionOptions.Value;
        if (election.Enabled)
        {
            var ns = election.LeaseNamespace ?? credentials.Namespace ?? "default";
            var elector = new LeaderElector(Client, election, ns, loggers.CreateLogger("Entrance.Syncer.Leadership"));
            Leadership = elector;
            Elector = elector;
            _loops.Add(elector.RunAsync);
        }
        else
        {
            Leadership = new AlwaysLeader(election.Identity ?? LeaderElector.DefaultIdentity());
        }

        Engine = new SyncEngine(services, slices, ingresses, Redis.Writer, Leadership, options, loggers.CreateLogger("Entrance.Syncer.Sync"))
        {
            Backoff = new Backoff(options.InitialBackoff, options.MaxBackoff),
        };
        _loops.Add(Engine.RunAsync);
        _loops.AddRange(services.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
        _loops.AddRange(slices.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
        _loops.AddRange(ingresses.Select(i => (Func<CancellationToken, Task>)i.RunAsync));
    }

    public KubeClient Client { get; }
    public RouteWriterConnection Redis { get; }
    public ILeadership Leadership { get; }
    public LeaderElector? Elector { get; }
    public SyncEngine Engine { get; }

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(_loops.Select(loop => Task.Run(() => loop(ct), CancellationToken.None)));

    public void Dispose()
    {
        Client.Dispose();
        Redis.Dispose();
    }
}

/// <summary>Runs the <see cref="SyncerRuntime"/> for the life of the host.</summary>
public sealed class SyncerWorker(SyncerRuntime runtime) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => runtime.RunAsync(stoppingToken);
}
