using Entrance.Syncer;

// The admin listener: Urls in appsettings.json (http://+:9090), ASPNETCORE_URLS or --urls.
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
