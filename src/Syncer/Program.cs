using Entrance.Syncer;

// Admin listener: --urls / ASPNETCORE_URLS, else Syncer:AdminUrls, else Kestrel's default.
var app = SyncerApp.Build(args);
await app.RunAsync();
