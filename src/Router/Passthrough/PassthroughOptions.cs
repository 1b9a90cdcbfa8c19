namespace Entrance.Router.Passthrough;

/// <summary>The <c>Entrance:Passthrough</c> section: TLS passthrough by SNI on the HTTPS listeners.</summary>
public sealed class PassthroughOptions
{
    public const string Section = "Entrance:Passthrough";

    /// <summary>Peek ClientHellos for passthrough hosts; off: every connection is terminated as before.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a client may take to send its whole ClientHello before the connection is closed.</summary>
    public TimeSpan ClientHelloTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
