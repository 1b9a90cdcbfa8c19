namespace Entrance.Router.Admin;

/// <summary>The admin listener's settings, in the <c>Entrance</c> section.</summary>
public sealed class AdminOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8081";

    /// <summary>
    /// Where <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and <c>/routes/&lt;host&gt;</c> are served, separated by
    /// <c>;</c> like <c>--urls</c>; port 0 picks a free port; <c>off</c> disables the listener. Never the proxy's port.
    /// </summary>
    public string AdminUrls { get; set; } = DefaultUrls;

    public bool Enabled => !string.Equals(AdminUrls.Trim(), "off", StringComparison.OrdinalIgnoreCase) && AdminUrls.Trim().Length > 0;

    public string[] Urls => AdminUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
