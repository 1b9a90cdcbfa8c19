using System.Net;
using Yarp.ReverseProxy.Forwarder;

// Usage: Entrance.Bench.Floor <listen url> <backend url> [https cert.pem key.pem]
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(args[0]);
// The router's transport defaults (Entrance:Transport:InlineCompletions); run.sh also sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1.
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
if (args.Length >= 4 && args[2] == "https")
{
    var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(args[3], args[4]);
    builder.WebHost.UseKestrelHttpsConfiguration();
    builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
}

builder.Services.AddHttpForwarder();
var app = builder.Build();
var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    EnableMultipleHttp2Connections = true,
    ActivityHeadersPropagator = null,
    ConnectTimeout = TimeSpan.FromSeconds(15),
});
app.MapForwarder("/{**catch-all}", args[1], ForwarderRequestConfig.Empty, HttpTransformer.Default, client);
app.Run();
