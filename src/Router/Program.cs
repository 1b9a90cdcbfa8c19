using Entrance.Hosting.Startup;
using Entrance.Router;

return await ProgramRunner.RunAsync("entrance-router", () => EntranceRouter.Build(args));
