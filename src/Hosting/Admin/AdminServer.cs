using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Admin;

/// <summary>
/// A separate admin listener: its own small Kestrel server, so admin paths can never be reached through the program's
/// public port (for the router, <c>/metrics</c> there is just another path to proxy). It shares the program's services.
/// It starts with the program's other services (before the public listener opens, so <c>/readyz</c> can say "starting")
/// and stops only once every other service has stopped (so <c>/readyz</c> can say "draining" meanwhile).
/// </summary>
public sealed class AdminServer(IOptions<AdminListenerOptions> options, AdminEndpoints endpoints, ILoggerFactory loggerFactory) : IHostedLifecycleService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses the admin listener is bound to (ports resolved), once started; empty when disabled.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        // An empty builder: none of the program's configuration (Kestrel endpoints, URLs, environment) leaks in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.AddServerHeader = false);
        builder.WebHost.UseUrls(options.Value.Urls);
        var app = builder.Build();
        app.Run(endpoints.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every other service stopped (e.g. the proxy drained): <c>/readyz</c> answered "draining" until now.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The program's host owns signals and start/stop messages; the admin server is started and stopped by it, so it
    /// must not install a second console lifetime (a second SIGTERM handler, a second "Application started").
    /// </summary>
    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
