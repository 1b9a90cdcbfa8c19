namespace Entrance.Router.Transport;

public static class TransportWebApplicationBuilderExtensions
{
    /// <summary>The runtime's switch for inline socket completions; read once, when the first socket is used.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Socket transport tuning (<c>Entrance:Transport</c>). Call before anything opens a socket.</summary>
    public static WebApplicationBuilder AddEntranceTransport(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TransportOptions.Section).Get<TransportOptions>() ?? new TransportOptions();
        if (!options.InlineCompletions || !OperatingSystem.IsLinux())
        {
            return builder;
        }

        // An explicit setting in the environment wins; otherwise sockets opened from here on complete inline.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        // Kestrel's own hand-offs (socket to parser to application) go inline too.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        return builder;
    }
}
