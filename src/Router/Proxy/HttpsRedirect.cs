using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Proxy;

/// <summary>
/// The per-route redirect to HTTPS and the test for "came over TLS". ACME HTTP-01 challenges are always proxied,
/// or cert-manager and ACME clients could never prove the name before its certificate exists.
/// </summary>
public sealed class HttpsRedirect(IOptions<HttpsRedirectOptions> options, TrustedProxies trusted)
{
    private static readonly PathString AcmeChallenge = new("/.well-known/acme-challenge");

    private readonly int _status = options.Value.RedirectStatus;
    private readonly string _portSuffix = options.Value.RedirectPort == 443 ? string.Empty : ":" + options.Value.RedirectPort;

    /// <summary>
    /// TLS to this router, or a trusted proxy in front said <c>X-Forwarded-Proto: https</c> (it terminated TLS;
    /// redirecting its requests would loop).
    /// </summary>
    public bool IsSecure(HttpContext context) =>
        context.Request.IsHttps
        || (!trusted.IsEmpty && trusted.Contains(context.Connection.RemoteIpAddress)
            && string.Equals(context.Request.Headers["X-Forwarded-Proto"].ToString(), "https", StringComparison.OrdinalIgnoreCase));

    public static bool IsAcmeChallenge(HttpRequest request) => request.Path.StartsWithSegments(AcmeChallenge);

    /// <summary>Answers with the permanent redirect to the same host, path and query on https.</summary>
    public void Write(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
        {
            target = request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        }

        var response = context.Response;
        response.StatusCode = _status;
        response.Headers.Location = string.Concat("https://", request.Host.Host, _portSuffix, target);
        response.ContentLength = 0;
    }
}
