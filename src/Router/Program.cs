using Entrance.Router;

var app = EntranceRouter.Build(args);
await app.RunAsync();
