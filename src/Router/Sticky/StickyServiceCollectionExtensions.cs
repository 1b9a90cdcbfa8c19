namespace Entrance.Router.Sticky;

public static class StickyServiceCollectionExtensions
{
    public static IServiceCollection AddStickySessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StickyOptions>().Bind(configuration.GetSection(StickyOptions.Section));
        services.AddSingleton<StickySessions>();
        return services;
    }
}
