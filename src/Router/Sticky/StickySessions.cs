using System.Security.Cryptography;
using System.Text;
using Entrance.Router.Proxy;
using Entrance.Router.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Entrance.Router.Sticky;

/// <summary>
/// Sticky sessions: a cookie (per route, <c>sticky</c>) names the backend a client is pinned to by an opaque value, a
/// keyed hash of the backend URL, the same on every router. A pinned backend that is dead, removed (or drained) is
/// replaced by the policy's pick and a new cookie, without an error. With <c>sticky_on</c> (gorouter's way) the cookie
/// is only given once the backend's response sets the application's session cookie (e.g. <c>JSESSIONID</c>).
/// Requests that keep their pin allocate nothing here; a (re)pin allocates its Set-Cookie.
/// </summary>
public sealed class StickySessions
{
    private const string DefaultKey = "entrance-sticky-default-key";
    private readonly byte[] _key;
    private readonly bool _defaultKey;
    private readonly HttpsRedirect _https;
    private readonly ILogger<StickySessions> _logger;
    private int _warned;

    public StickySessions(IOptions<StickyOptions> options, HttpsRedirect https, ILogger<StickySessions> logger)
    {
        _defaultKey = string.IsNullOrEmpty(options.Value.Secret);
        _key = Encoding.UTF8.GetBytes(_defaultKey ? DefaultKey : options.Value.Secret);
        _https = https;
        _logger = logger;
    }

    /// <summary>The live backend the request's cookie pins it to, or null (no cookie, unknown value, backend dead, gone or not pinnable).</summary>
    public BackendState? Pinned(HttpContext context, RouteEntry route, BackendState[] live)
    {
        if (!TryGetCookie(context.Request.Headers.Cookie, route.Sticky.Cookie!, out var value))
        {
            return null;
        }

        var tokens = Tokens(route);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (value.SequenceEqual(tokens[i]))
            {
                var backend = route.Backends[i];
                return IsPinnable(backend) && Array.IndexOf(live, backend) >= 0 ? backend : null;
            }
        }

        return null;
    }

    /// <summary>Notes the backend an attempt goes to: when the request's cookie does not name it, the response pins the client to it.</summary>
    public void Sending(HttpContext context, RouteEntry route, BackendState backend)
    {
        var sticky = route.Sticky;
        var index = Array.IndexOf(route.Backends, backend);
        if (index < 0)
        {
            return;
        }

        var token = Tokens(route)[index];
        var hadCookie = TryGetCookie(context.Request.Headers.Cookie, sticky.Cookie!, out var value);
        var pending = context.Features.Get<PendingCookie>();
        if (hadCookie && value.SequenceEqual(token))
        {
            if (pending is not null)
            {
                pending.Token = null; // a retry landed on the pinned backend after all
            }

            return;
        }

        if (pending is null)
        {
            pending = new PendingCookie(this, context, sticky);
            context.Features.Set(pending);
            context.Response.OnStarting(static s => ((PendingCookie)s).WriteAsync(), pending);
        }

        pending.Token = token;
        pending.Repin = hadCookie;
    }

    /// <summary>Weight 0 (drained) makes a backend unpinnable: a client pinned to it is re-pinned to a live one.</summary>
    private static bool IsPinnable(BackendState backend) => backend.Weight != 0;

    /// <summary>The cookie values of the route's backends, by index, computed on first use per cache fill.</summary>
    private string[] Tokens(RouteEntry route)
    {
        if (route.StickyTokens is { } tokens)
        {
            return tokens;
        }

        if (_defaultKey && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            _logger.LogWarning("Sticky sessions use the built-in key: set Entrance:Sticky:Secret (the same on every router) so cookie values cannot be matched to guessed backend addresses");
        }

        if (route.Sticky.Problem is null)
        {
            tokens = new string[route.Backends.Length];
            Span<byte> hash = stackalloc byte[32];
            for (var i = 0; i < tokens.Length; i++)
            {
                HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(route.Backends[i].Url), hash);
                tokens[i] = Base64UrlEncoder(hash[..12]); // 96 bits: opaque, unique per backend, short
            }
        }
        else
        {
            tokens = [];
        }

        route.StickyTokens = tokens;
        return tokens;
    }

    private static string Base64UrlEncoder(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Finds a cookie's value in the Cookie header(s) without parsing every cookie into a collection.</summary>
    internal static bool TryGetCookie(StringValues headers, string name, out ReadOnlySpan<char> value)
    {
        foreach (var header in headers)
        {
            var rest = header.AsSpan();
            while (!rest.IsEmpty)
            {
                var end = rest.IndexOf(';');
                var pair = (end < 0 ? rest : rest[..end]).Trim();
                rest = end < 0 ? [] : rest[(end + 1)..];
                if (pair.Length > name.Length && pair[name.Length] == '=' && pair.StartsWith(name, StringComparison.Ordinal))
                {
                    value = pair[(name.Length + 1)..].Trim().Trim('"');
                    return true;
                }
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether the response sets a cookie of this name (the app's session cookie).</summary>
    internal static bool SetsCookie(StringValues setCookies, string name)
    {
        foreach (var header in setCookies)
        {
            var span = header.AsSpan().TrimStart();
            if (span.Length > name.Length && span[name.Length] == '=' && span.StartsWith(name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    internal string CookieHeader(HttpContext context, StickySettings sticky, string token)
    {
        var header = $"{sticky.Cookie}={token}; Path={sticky.CookiePath}; HttpOnly; SameSite=Lax";
        return _https.IsSecure(context) ? header + "; Secure" : header;
    }

    /// <summary>The pin a response will carry; per request, only when one is due.</summary>
    private sealed class PendingCookie(StickySessions owner, HttpContext context, StickySettings sticky)
    {
        public string? Token { get; set; }

        public bool Repin { get; set; }

        public Task WriteAsync()
        {
            var response = context.Response;
            if (Token is null || response.StatusCode is 502 or 503 or 504)
            {
                return Task.CompletedTask; // already pinned there, or the router's own failure page: no pin to a failing backend
            }

            // gorouter's way: pin once the app starts a session, or move an existing pin off a backend that is gone.
            if (sticky.AppCookie is { } app && !Repin && !SetsCookie(response.Headers.SetCookie, app))
            {
                return Task.CompletedTask;
            }

            response.Headers.Append(HeaderNames.SetCookie, owner.CookieHeader(context, sticky, Token));
            return Task.CompletedTask;
        }
    }
}
