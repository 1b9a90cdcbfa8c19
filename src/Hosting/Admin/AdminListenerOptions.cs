namespace Entrance.Hosting.Admin;

/// <summary>Where a separate admin listener is bound (the router's <c>Entrance:AdminUrls</c>).</summary>
public sealed class AdminListenerOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8081";

    /// <summary>URLs separated by <c>;</c> like <c>--urls</c>; port 0 picks a free port; <c>off</c> disables the listener.</summary>
    public string AdminUrls { get; set; } = DefaultUrls;

    public bool Enabled => AdminUrls.Trim().Length > 0 && !string.Equals(AdminUrls.Trim(), "off", StringComparison.OrdinalIgnoreCase);

    public string[] Urls => AdminUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether every URL parses (Kestrel's <c>*</c> and <c>+</c> hosts allowed).</summary>
    public bool UrlsValid => !Enabled || Urls.All(u => Uri.TryCreate(u.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out _));
}
