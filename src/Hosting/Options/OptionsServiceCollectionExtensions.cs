using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Options;

public static class OptionsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts
    /// (DataAnnotations attributes and any registered <see cref="IValidateOptions{TOptions}"/>), so a bad setting stops
    /// the start with one line (<see cref="Startup.StartupFailure"/>) instead of failing on first use.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration section)
        where TOptions : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, AttributeValidation<TOptions>>());
        return services.AddOptions<TOptions>()
            .Bind(section)
            .ValidateOnStart();
    }
}
