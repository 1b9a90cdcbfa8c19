namespace Entrance.Router.LoadBalancing;

public static class LoadBalancingServiceCollectionExtensions
{
    public static IServiceCollection AddLoadBalancing(this IServiceCollection services)
    {
        services.AddSingleton<ILoadBalancingPolicy, PowerOfTwoChoicesPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, RandomPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, RoundRobinPolicy>();
        services.AddSingleton<LoadBalancingPolicies>();
        return services;
    }
}
