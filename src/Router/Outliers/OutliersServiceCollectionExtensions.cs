namespace Entrance.Router.Outliers;

public static class OutliersServiceCollectionExtensions
{
    public static IServiceCollection AddOutlierDetection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutlierOptions>()
            .Bind(configuration.GetSection(OutlierOptions.Section))
            .Validate(o => o.ConsecutiveGatewayFailures >= 0, "Entrance:Outliers:ConsecutiveGatewayFailures must not be negative (0 turns it off)")
            .Validate(o => o.MaxEjectionPercent is >= 0 and <= 100, "Entrance:Outliers:MaxEjectionPercent must be from 0 to 100")
            .ValidateOnStart();
        services.AddSingleton<OutlierDetector>();
        return services;
    }
}
