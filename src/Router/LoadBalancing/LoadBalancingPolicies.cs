using Entrance.Router.Configuration;
using Microsoft.Extensions.Options;

namespace Entrance.Router.LoadBalancing;

/// <summary>Policies by name, with the configured default for hosts that name none (or an unknown one).</summary>
public sealed class LoadBalancingPolicies
{
    private readonly Dictionary<string, ILoadBalancingPolicy> _byName;
    private readonly ILogger<LoadBalancingPolicies> _logger;

    public LoadBalancingPolicies(IEnumerable<ILoadBalancingPolicy> policies, IOptions<EntranceOptions> options, ILogger<LoadBalancingPolicies> logger)
    {
        _logger = logger;
        _byName = policies.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        if (!_byName.TryGetValue(options.Value.LoadBalancing, out var fallback))
        {
            throw new OptionsValidationException(EntranceOptions.Section, typeof(EntranceOptions),
                [$"Entrance:LoadBalancing '{options.Value.LoadBalancing}' is not one of: {string.Join(", ", Names)}"]);
        }

        Default = fallback;
    }

    public ILoadBalancingPolicy Default { get; }

    public IEnumerable<string> Names => _byName.Keys;

    public ILoadBalancingPolicy Get(string? name, string host)
    {
        if (name is null)
        {
            return Default;
        }

        if (_byName.TryGetValue(name, out var policy))
        {
            return policy;
        }

        _logger.LogWarning("Host {Host} names unknown load-balancing policy {Policy}; using {Default}", host, name, Default.Name);
        return Default;
    }
}
