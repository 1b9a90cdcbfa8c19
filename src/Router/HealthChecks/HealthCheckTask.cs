using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Entrance.Router.Fleet;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;

namespace Entrance.Router.HealthChecks;

/// <summary>
/// Active health checks, run by the fleet leader only: every route with a <c>health_path</c> has its backends probed
/// each <c>health_interval</c>. <c>health_fails</c> failures in a row write the shared dead mark passive failures write
/// (<see cref="IRouteStore.MarkDeadAsync"/>), renewed while the backend keeps failing; <c>health_passes</c> passes in a
/// row after a mark was seen clear it before its expiry (<see cref="DeadMarks.ClearAsync(string, string)"/>), whoever
/// wrote it. Both publish <c>entrance:changed</c>, so every router acts on them at once. Nothing is probed or written
/// while Redis cannot be read, and nothing is written once the lease may have passed on.
/// </summary>
public sealed class HealthCheckTask : IFleetTask, IDisposable
{
    private readonly HealthCheckTargets _targets;
    private readonly DeadMarks _marks;
    private readonly IRouteStore _store;
    private readonly HealthProber _prober;
    private readonly HealthCheckOptions _options;
    private readonly long _deadTtlMs;
    private readonly TimeProvider _time;
    private readonly FleetMetrics _metrics;
    private readonly ILogger<HealthCheckTask> _logger;
    private readonly Dictionary<string, RouteChecks> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unusable = new(StringComparer.Ordinal); // bad health_path: skipped until the next scan
    private readonly SemaphoreSlim _slots;
    private IReadOnlyList<string> _names = [];
    private long _nextScanMs = long.MinValue;

    public HealthCheckTask(RedisConnection redis, IRouteStore store, IOptions<HealthCheckOptions> options, IOptions<EntranceOptions> entrance,
        TimeProvider time, FleetMetrics metrics, Proxy.BackendClients tlsClients, ILogger<HealthCheckTask> logger)
    {
        _prober = new HealthProber(tlsClients);
        _targets = new HealthCheckTargets(redis);
        _marks = new DeadMarks(redis);
        _store = store;
        _options = options.Value;
        _deadTtlMs = (long)entrance.Value.DeadBackendTtl.TotalMilliseconds;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _slots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentProbes));
    }

    public string Name => "health-checks";

    public async Task RunAsync(Func<bool> stillLeading, CancellationToken cancellationToken)
    {
        var now = _time.GetMonotonicMs();
        IReadOnlyList<RouteRecord> due;
        try
        {
            if (now >= _nextScanMs)
            {
                _names = await _targets.ScanAsync().ConfigureAwait(false);
                _nextScanMs = now + (long)_options.DiscoveryInterval.TotalMilliseconds;
                foreach (var gone in _routes.Keys.Where(k => !_names.Contains(k)).ToList())
                {
                    _routes.Remove(gone);
                }

                _unusable.Clear();
            }

            var dueNames = _names.Where(n => !_unusable.ContainsKey(n) && (!_routes.TryGetValue(n, out var r) || r.NextDueMs <= now)).ToList();
            if (dueNames.Count == 0)
            {
                return;
            }

            due = await _targets.ReadAsync(dueNames, _time.GetUtcNow()).ConfigureAwait(false);
            foreach (var empty in dueNames.Except(due.Select(r => r.RouteName)))
            {
                _unusable[empty] = now; // no backends (declared, or removed since the scan): nothing to probe until the next scan
            }
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            _logger.LogDebug("Health checks wait for Redis: {Reason}", ex.Message);
            return; // what is not read is not judged: no probe, no mark
        }

        var probes = new List<Task>();
        foreach (var route in due)
        {
            var check = HealthCheckSettings.From(route.Settings);
            if (check is null)
            {
                _routes.Remove(route.RouteName);
                _unusable[route.RouteName] = now;
                _logger.LogWarning("Route {Route} has an unusable health_path ({Value}); not checked", route.RouteName, route.Settings.GetValueOrDefault(Core.Schema.RedisKeys.HealthPathField));
                continue;
            }

            if (!_routes.TryGetValue(route.RouteName, out var state) || state.Settings != check)
            {
                if (check.Problem is not null)
                {
                    _logger.LogWarning("Health check of {Route}: {Problem}", route.RouteName, check.Problem);
                }

                state = new RouteChecks(check);
                _routes[route.RouteName] = state;
            }

            state.UpdateTls(route.Settings);
            state.NextDueMs = now + (long)check.Interval.TotalMilliseconds;
            for (var i = 0; i < route.Backends.Count; i++)
            {
                probes.Add(CheckAsync(route, i, state, stillLeading, cancellationToken));
            }
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
    }

    private async Task CheckAsync(RouteRecord route, int index, RouteChecks state, Func<bool> stillLeading, CancellationToken cancellationToken)
    {
        var url = route.Backends[index];
        if (!BackendState.IsValidUrl(url))
        {
            return;
        }

        bool healthy;
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            healthy = await _prober.ProbeAsync(route.RouteName, url, state.Tls, state.Settings, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }

        _metrics.Probe(healthy);
        var nowUnix = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var mark = route.Dead.FirstOrDefault(d => d.Index == index && d.ExpiresAtUnixMs > nowUnix);
        var backend = state.Backend(url);
        var action = backend.Observe(healthy, mark.Url is not null, state.Settings);
        var markLeftMs = mark.Url is null ? 0 : mark.ExpiresAtUnixMs - nowUnix;
        if (action == HealthAction.Mark && markLeftMs > _deadTtlMs / 2)
        {
            return; // marked long enough already: one write per half TTL while it keeps failing
        }

        if (action == HealthAction.None || !stillLeading())
        {
            return;
        }

        try
        {
            if (action == HealthAction.Mark)
            {
                await _store.MarkDeadAsync(route, index, nowUnix + _deadTtlMs, cancellationToken).ConfigureAwait(false);
                if (mark.Url is null)
                {
                    _logger.LogWarning("Backend {Backend} of {Route} failed {Fails} health checks in a row: marked dead", url, route.RouteName, state.Settings.Fails);
                }
            }
            else
            {
                await _marks.ClearAsync(route.RouteName, url).ConfigureAwait(false);
                _logger.LogInformation("Backend {Backend} of {Route} passed {Passes} health checks in a row: dead mark cleared", url, route.RouteName, state.Settings.Passes);
            }

            _metrics.HealthMark(action == HealthAction.Mark);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            _logger.LogWarning("Health check result for {Backend} of {Route} not written: {Reason}", url, route.RouteName, ex.Message);
        }
    }

    public void Dispose()
    {
        _prober.Dispose();
        _slots.Dispose();
    }

    private enum HealthAction
    {
        None,
        Mark,
        Clear,
    }

    /// <summary>One route's check and its backends' streaks.</summary>
    private sealed class RouteChecks(HealthCheckSettings settings)
    {
        private readonly Dictionary<string, BackendStreak> _backends = new(StringComparer.Ordinal);

        private (string? Ca, string? Verify) _tlsSource;

        public HealthCheckSettings Settings { get; } = settings;

        /// <summary>The route's backend trust, parsed again only when <c>backend_ca</c> or <c>backend_tls_verify</c> changed.</summary>
        public RouteTlsSettings Tls { get; private set; } = RouteTlsSettings.None;

        public long NextDueMs { get; set; }

        public void UpdateTls(IReadOnlyDictionary<string, string> settings)
        {
            var source = (settings.GetValueOrDefault(Core.Schema.RedisKeys.BackendCaField), settings.GetValueOrDefault(Core.Schema.RedisKeys.BackendTlsVerifyField));
            if (source != _tlsSource)
            {
                _tlsSource = source;
                Tls = RouteTlsSettings.From(settings);
            }
        }

        public BackendStreak Backend(string url)
        {
            lock (_backends)
            {
                if (!_backends.TryGetValue(url, out var streak))
                {
                    _backends[url] = streak = new BackendStreak();
                }

                return streak;
            }
        }
    }

    /// <summary>Failures and passes in a row of one backend, and whether it was seen marked (passes count from then).</summary>
    private sealed class BackendStreak
    {
        private int _fails;
        private int _passes;
        private bool _sawMark;

        public HealthAction Observe(bool healthy, bool marked, HealthCheckSettings check)
        {
            if (marked && !_sawMark)
            {
                _passes = 0; // a mark clears only after passes seen since it was written
            }

            _sawMark = marked;
            if (healthy)
            {
                _fails = 0;
                _passes++;
                return marked && _passes >= check.Passes ? HealthAction.Clear : HealthAction.None;
            }

            _passes = 0;
            _fails++;
            return _fails >= check.Fails ? HealthAction.Mark : HealthAction.None;
        }
    }
}
