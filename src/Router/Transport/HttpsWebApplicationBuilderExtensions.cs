using System.Net;
using Entrance.Hosting.Startup;
using Entrance.Router.Configuration;
using Entrance.Router.Passthrough;
using Entrance.Router.ProxyProtocol;
using Entrance.Router.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Transport;

public static class HttpsWebApplicationBuilderExtensions
{
    public const string HttpsUrlsKey = "Entrance:HttpsUrls";

    /// <summary>
    /// HTTPS listeners on <c>Entrance:HttpsUrls</c> (';'-separated or a list), each handshake's certificate chosen by
    /// <see cref="CertificateSelector"/>. Kestrel ignores <c>--urls</c> once endpoints are set in code, so with HTTPS on
    /// the plain-HTTP URLs are bound here too, first (the first address stays the plain one).
    /// </summary>
    public static WebApplicationBuilder AddEntranceHttps(this WebApplicationBuilder builder)
    {
        var https = HttpsUrls(builder.Configuration);
        if (https.Count == 0)
        {
            return builder;
        }

        var parsed = https.Select(u => Parse(u, "https", HttpsUrlsKey)).ToList();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            if (!context.Configuration.GetSection("Kestrel:Endpoints").Exists())
            {
                ListenPlain(context.Configuration, kestrel);
            }

            foreach (var (address, port) in parsed)
            {
                Listen(kestrel, address, port, listen => UseEntranceTls(listen));
            }
        });
        return builder;
    }

    /// <summary>TLS with per-handshake certificate selection, plus the handshake-result counting around it.</summary>
    public static ListenOptions UseEntranceTls(this ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var metrics = services.GetRequiredService<TlsMetrics>();
        var selector = services.GetRequiredService<CertificateSelector>();
        var timeout = services.GetRequiredService<IOptions<TlsOptions>>().Value.HandshakeTimeout;

        // A PROXY protocol header comes before the ClientHello (endpoint defaults add it too; applying it twice is a no-op).
        listen.UseEntranceProxyProtocol();

        // Passthrough hosts are relayed still encrypted, chosen by the ClientHello's SNI; the rest go on to TLS.
        listen.UseEntrancePassthrough();

        // Before TLS: a mark per connection, judged when the connection ends (a handshake never finished = failed).
        listen.Use(next => async connection =>
        {
            var mark = new HandshakeMark();
            connection.Features.Set(mark);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                if (!mark.Done && !mark.Rejected)
                {
                    metrics.HandshakeFailed();
                }
            }
        });
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = selector.SelectAsync,
            HandshakeTimeout = timeout,
        });

        // After TLS: reached only by completed handshakes.
        listen.Use(next => connection =>
        {
            if (connection.Features.Get<HandshakeMark>() is { } mark)
            {
                mark.Done = true;
            }

            metrics.HandshakeOk();
            return next(connection);
        });
        return listen;
    }

    /// <summary>The plain-HTTP URLs (<c>--urls</c>, else the default), bound in code once other listeners are.</summary>
    internal static void ListenPlain(IConfiguration configuration, KestrelServerOptions kestrel)
    {
        var plain = configuration[WebHostDefaults.ServerUrlsKey];
        foreach (var url in (string.IsNullOrWhiteSpace(plain) ? ConfigurationWebApplicationBuilderExtensions.DefaultUrl : plain)
                     .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (address, port) = Parse(url, "http", "urls");
            Listen(kestrel, address, port, _ => { });
        }
    }

    public static IReadOnlyList<string> HttpsUrls(IConfiguration configuration) => Urls(configuration, HttpsUrlsKey);

    /// <summary>A listener setting: ';'-separated or a list; <c>off</c> and blanks ignored.</summary>
    internal static IReadOnlyList<string> Urls(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var values = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? string.Empty);
        return values.SelectMany(v => v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(v => v.Length > 0 && !string.Equals(v, "off", StringComparison.OrdinalIgnoreCase)).ToList();
    }

    internal static (IPAddress? Address, int Port) Parse(string url, string scheme, string setting)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri)
            || uri.Scheme != scheme)
        {
            throw new StartupConfigurationException($"{setting}: '{url}' is not a {scheme}:// URL (e.g. {scheme}://0.0.0.0:{(scheme == "https" ? 443 : 80)})");
        }

        // A host name other than localhost binds every address, as Kestrel does.
        var address = uri.IsLoopback && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _) ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null;
        return (address, uri.Port);
    }

    internal static void Listen(KestrelServerOptions kestrel, IPAddress? address, int port, Action<ListenOptions> configure)
    {
        if (address is null || address.Equals(IPAddress.Any) && port != 0)
        {
            kestrel.ListenAnyIP(port, configure);
        }
        else
        {
            kestrel.Listen(address, port, configure);
        }
    }
}
