namespace Entrance.Router.DebugHeaders;

/// <summary>The <c>Entrance:DebugHeaders</c> configuration section.</summary>
public sealed class DebugHeadersOptions
{
    public const string Section = "Entrance:DebugHeaders";

    /// <summary>Whether a request with <c>X-Debug</c> from a trusted network gets the <c>X-Debug-*</c> response headers.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Client networks (CIDR, comma-separated) allowed to ask: they learn backend addresses, so loopback only by default.
    /// A string rather than an array, because binding an array appends to its default instead of replacing it.
    /// </summary>
    public string TrustedNetworks { get; set; } = "127.0.0.0/8, ::1/128";

    public IEnumerable<string> Networks => TrustedNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
