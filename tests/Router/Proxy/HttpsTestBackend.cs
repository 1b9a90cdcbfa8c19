using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entrance.Router.Tests.Proxy;

/// <summary>A real Kestrel HTTPS backend on 127.0.0.1 with a given certificate; it answers its name and records the SNI it was asked for.</summary>
internal sealed class HttpsTestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private string? _lastSni;
    private int _healthProbes;

    private HttpsTestBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public string? LastSni => Volatile.Read(ref _lastSni);

    /// <summary>Requests sent by the router's health checker (User-Agent <c>entrance-health-check</c>).</summary>
    public int HealthProbes => Volatile.Read(ref _healthProbes);

    public static async Task<HttpsTestBackend> StartAsync(string name, X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        HttpsTestBackend? backend = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
            https.ServerCertificateSelector = (_, sni) =>
            {
                Volatile.Write(ref backend!._lastSni, sni ?? string.Empty);
                return certificate;
            })));
        var app = builder.Build();
        backend = new HttpsTestBackend(app);
        app.MapFallback((HttpContext c) =>
        {
            if (c.Request.Headers.UserAgent.ToString().StartsWith("entrance-health-check", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref backend._healthProbes);
            }

            return Results.Text($"{name} host={c.Request.Host} tls={c.Request.IsHttps}");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
