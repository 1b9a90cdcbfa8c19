using Entrance.Router.ProxyProtocol;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Transport;

public static class TransportWebApplicationBuilderExtensions
{
    /// <summary>The runtime's switches for the socket engine; read once, when the first socket is used.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    public const string IoThreadsVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>Socket transport tuning (<c>Entrance:Transport</c>). Call before anything opens a socket.</summary>
    public static WebApplicationBuilder AddEntranceTransport(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TransportOptions.Section).Get<TransportOptions>() ?? new TransportOptions();
        if (options.IoThreads is < 0 or > 1024)
        {
            throw new OptionsValidationException(TransportOptions.Section, typeof(TransportOptions),
                [$"{TransportOptions.Section}:{nameof(TransportOptions.IoThreads)} must be between 0 (one per core) and 1024"]);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.UseEntranceProxyProtocol()));
        if (!OperatingSystem.IsLinux())
        {
            return builder;
        }

        foreach (var (name, value) in EnvironmentFor(options, Environment.GetEnvironmentVariable))
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        if (options.InlineCompletions)
        {
            // Kestrel's own hand-offs (socket to parser to application) go inline too.
            builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        return builder;
    }

    /// <summary>The runtime switches to set for these options; one already in the environment wins.</summary>
    internal static IEnumerable<(string Name, string Value)> EnvironmentFor(TransportOptions options, Func<string, string?> current)
    {
        if (options.InlineCompletions && current(InlineCompletionsVariable) is null)
        {
            yield return (InlineCompletionsVariable, "1");
        }

        if (options.IoThreads > 0 && current(IoThreadsVariable) is null)
        {
            yield return (IoThreadsVariable, options.IoThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
