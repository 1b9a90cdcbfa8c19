using Entrance.Syncer;

// Admin listener: --urls / ASPNETCORE_URLS, else Syncer:AdminUrls, else Kestrel's default.
try
{
    var app = SyncerApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (SyncerApp.IsConfigurationError(e, out var message))
{
    // Bad configuration (no credentials, unreadable kubeconfig, bad Redis string, bad lease timings): say so, exit 2.
    Console.Error.WriteLine($"entrance-syncer: {message}");
    return 2;
}
