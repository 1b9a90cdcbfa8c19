namespace Entrance.Router.Proxy;

/// <summary>
/// How routes with <c>https_redirect 1</c> redirect plain-HTTP requests: the redirect part of <c>Entrance:Tls</c>
/// (the certificate part is the TLS listener's own options).
/// </summary>
public sealed class HttpsRedirectOptions
{
    public const string Section = "Entrance:Tls";

    /// <summary>308 (keeps the method and body) or 301 (for old clients that do not know 308).</summary>
    public int RedirectStatus { get; set; } = StatusCodes.Status308PermanentRedirect;

    /// <summary>The HTTPS port clients should use; 443 is left out of the Location.</summary>
    public int RedirectPort { get; set; } = 443;
}
