using Entrance.Hosting.Startup;
using Entrance.Syncer;

return await ProgramRunner.RunAsync("entrance-syncer", () => SyncerApp.Build(args));
