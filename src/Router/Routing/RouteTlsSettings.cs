using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entrance.Core.Schema;

namespace Entrance.Router.Routing;

/// <summary>
/// A route's HTTPS settings (<c>https_redirect</c>, <c>hsts</c>, <c>backend_ca</c>, <c>backend_tls_verify</c>), parsed once
/// per cache fill so the request path only reads fields. A route without any of them shares <see cref="None"/>.
/// </summary>
public sealed class RouteTlsSettings
{
    public static readonly RouteTlsSettings None = new();

    private RouteTlsSettings()
    {
    }

    /// <summary>Plain-HTTP requests get a permanent redirect to https (ACME challenges excepted).</summary>
    public bool HttpsRedirect { get; private init; }

    /// <summary>The <c>Strict-Transport-Security</c> value for answers given over HTTPS; null when none.</summary>
    public string? Hsts { get; private init; }

    /// <summary>CA certificates trusted for https:// backends instead of the system store; null for the system store.</summary>
    public X509Certificate2Collection? BackendCa { get; private init; }

    /// <summary>False when <c>backend_tls_verify 0</c>: https:// backends' certificates are not checked.</summary>
    public bool VerifyBackend { get; private init; } = true;

    /// <summary>Which shared backend client serves this route's https:// backends: <c>system</c>, <c>noverify</c> or <c>ca:&lt;sha256&gt;</c>.</summary>
    public string BackendTrustKey { get; private init; } = SystemTrust;

    /// <summary>What was wrong with the settings (logged by the cache once per fill); null when nothing.</summary>
    public string? Problem { get; private init; }

    public const string SystemTrust = "system";
    public const string NoVerify = "noverify";

    public static RouteTlsSettings From(IReadOnlyDictionary<string, string> settings)
    {
        if (settings.Count == 0
            || !(settings.ContainsKey(RedisKeys.HttpsRedirectField) || settings.ContainsKey(RedisKeys.HstsField)
                 || settings.ContainsKey(RedisKeys.BackendCaField) || settings.ContainsKey(RedisKeys.BackendTlsVerifyField)))
        {
            return None;
        }

        var problems = new List<string>();
        var redirect = settings.TryGetValue(RedisKeys.HttpsRedirectField, out var r) && r.Trim() == "1";
        string? hsts = null;
        if (settings.TryGetValue(RedisKeys.HstsField, out var h) && h.Trim().Length > 0)
        {
            // A header value: printable ASCII only, so a setting can neither inject another header nor make Kestrel refuse the answer.
            if (h.Trim().AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7e))
            {
                problems.Add("hsts holds control or non-ASCII characters; ignored");
            }
            else
            {
                hsts = h.Trim();
            }
        }

        var verify = !(settings.TryGetValue(RedisKeys.BackendTlsVerifyField, out var v) && v.Trim() == "0");
        X509Certificate2Collection? ca = null;
        var trustKey = verify ? SystemTrust : NoVerify;
        if (verify && settings.TryGetValue(RedisKeys.BackendCaField, out var pem) && pem.Trim().Length > 0)
        {
            ca = new X509Certificate2Collection();
            try
            {
                ca.ImportFromPem(pem);
            }
            catch (CryptographicException e)
            {
                ca.Clear();
                problems.Add("backend_ca is not a PEM bundle (" + e.Message + ")");
            }

            if (ca.Count == 0 && problems.Count == 0)
            {
                problems.Add("backend_ca holds no certificate");
            }

            // An unusable bundle trusts nothing (fail closed): its backends answer 502 backend-tls-error.
            trustKey = "ca:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(pem)));
        }

        return new RouteTlsSettings
        {
            HttpsRedirect = redirect,
            Hsts = hsts,
            BackendCa = ca,
            VerifyBackend = verify,
            BackendTrustKey = trustKey,
            Problem = problems.Count == 0 ? null : string.Join("; ", problems),
        };
    }
}
