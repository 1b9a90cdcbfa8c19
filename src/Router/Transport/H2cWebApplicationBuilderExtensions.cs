using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Entrance.Router.Transport;

public static class H2cWebApplicationBuilderExtensions
{
    public const string H2cUrlsKey = "Entrance:H2cUrls";

    /// <summary>
    /// Cleartext HTTP/2 with prior knowledge (h2c) on listeners of their own, <c>Entrance:H2cUrls</c> (';'-separated or a
    /// list of http:// URLs): gRPC clients inside a cluster connect there without TLS. A cleartext listener cannot tell
    /// HTTP/1.1 from h2c by ALPN, so the plain listeners stay HTTP/1.1 and these speak HTTP/2 only. Like
    /// <see cref="HttpsWebApplicationBuilderExtensions.AddEntranceHttps"/>, binding in code means the plain URLs are bound
    /// here too (first) unless HTTPS already did.
    /// </summary>
    public static WebApplicationBuilder AddEntranceH2c(this WebApplicationBuilder builder)
    {
        var urls = HttpsWebApplicationBuilderExtensions.Urls(builder.Configuration, H2cUrlsKey);
        if (urls.Count == 0)
        {
            return builder;
        }

        var parsed = urls.Select(u => HttpsWebApplicationBuilderExtensions.Parse(u, "http", H2cUrlsKey)).ToList();
        var httpsBindsPlain = HttpsWebApplicationBuilderExtensions.HttpsUrls(builder.Configuration).Count > 0;
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            if (!httpsBindsPlain && !context.Configuration.GetSection("Kestrel:Endpoints").Exists())
            {
                HttpsWebApplicationBuilderExtensions.ListenPlain(context.Configuration, kestrel);
            }

            foreach (var (address, port) in parsed)
            {
                HttpsWebApplicationBuilderExtensions.Listen(kestrel, address, port, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        return builder;
    }
}
