namespace Entrance.Router.ProxyProtocol;

/// <summary><c>Entrance:ProxyProtocol</c> and <c>Entrance:ProxyProtocolTimeout</c>.</summary>
public sealed class ProxyProtocolOptions
{
    /// <summary>Front listeners expect a PROXY protocol header (v1 or v2) from peers in <c>Entrance:TrustedProxies</c>.</summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>How long a trusted peer may take to send its header before the connection is closed.</summary>
    public TimeSpan ProxyProtocolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public static ProxyProtocolOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("Entrance").Get<ProxyProtocolOptions>() ?? new ProxyProtocolOptions();
        if (options.ProxyProtocolTimeout <= TimeSpan.Zero)
        {
            throw new Entrance.Hosting.Startup.StartupConfigurationException("Entrance:ProxyProtocolTimeout must be positive");
        }

        return options;
    }
}
