namespace Entrance.Router.DeadBackends;

public static class DeadBackendsServiceCollectionExtensions
{
    public static IServiceCollection AddDeadBackends(this IServiceCollection services) =>
        services.AddSingleton<DeadBackendReporter>();
}
