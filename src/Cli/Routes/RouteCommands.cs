using System.CommandLine;
using Entrance.Cli.Input;
using Entrance.Cli.Output;
using Entrance.Core.Schema;
using Entrance.Core.Store;

namespace Entrance.Cli.Routes;

/// <summary><c>entrance route add|remove|list|show|set</c>: routes by hand, as hipache users did with redis-cli, but checked.</summary>
internal static class RouteCommands
{
    public static Command Create(CommandFactory factory)
    {
        var route = new Command("route", """
            Add, remove, list and inspect routes by hand (hand-written routes are never pruned by apply).

            Examples:
              entrance route add shop.example.com http://10.0.0.5:8080
              entrance route show shop.example.com
              entrance route list --match '*.example.com'
            """);
        route.Subcommands.Add(Add(factory));
        route.Subcommands.Add(Remove(factory));
        route.Subcommands.Add(List(factory));
        route.Subcommands.Add(RouteShowCommand.Create(factory));
        route.Subcommands.Add(Set(factory));
        return route;
    }

    private static Command Add(CommandFactory factory)
    {
        var host = new Argument<string>("host") { Description = "Route name: shop.example.com, *.example.com (wildcard) or * (catch-all), optionally with a path prefix: shop.example.com/api" };
        var urls = new Argument<string[]>("url") { Description = "Backend base URLs, absolute http://, https:// or h2c:// (HTTP/2 with prior knowledge, e.g. gRPC)", Arity = ArgumentArity.OneOrMore };
        var weight = new Option<long?>("--weight") { Description = "Weight of these backends, 0..10000 (default 1; 0 drains them)", HelpName = "n" };
        var ttl = new Option<string?>("--ttl") { Description = "Register for this long (30s, 2m...), by Redis's clock; add again before it ends to stay", HelpName = "duration" };
        var command = new Command("add", """
            Add backends to a host (SADD), creating the host if new; publishes entrance:changed <host>.
            A host that exists only as a hipache frontend gets the URLs appended to its frontend list instead.
            A path route (host/prefix) serves the requests under its prefix; the host route serves the rest.

            Examples:
              entrance route add shop.example.com http://10.0.0.5:8080
              entrance route add '*.apps.example.com' http://10.0.0.7:80 http://10.0.0.8:80
              entrance route add shop.example.com/api http://10.0.0.9:8080
              entrance route add shop.example.com http://10.0.0.6:8080 --weight 10
              entrance route add shop.example.com http://10.0.0.5:8080 --ttl 30s
            """) { host, urls, weight, ttl };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var name = RouteInput.RouteName(parse.GetValue(host));
            var backends = RouteInput.Urls(parse.GetValue(urls) ?? []);
            var weightValue = parse.GetValue(weight);
            var errors = new List<string>();
            if (weightValue is { } w && !RouteInput.TryWeight(w, out var weightError))
            {
                errors.Add(weightError);
            }

            TimeSpan? ttlValue = null;
            if (parse.GetValue(ttl) is { } rawTtl)
            {
                if (RouteInput.TryTtl(rawTtl, out var parsed, out var ttlError))
                {
                    ttlValue = parsed;
                }
                else
                {
                    errors.Add(ttlError);
                }
            }

            if (errors.Count > 0)
            {
                throw new CliInputException(errors);
            }

            var redis = await ctx.RedisAsync();
            WarnIfManaged(ctx, await new RouteReader(redis).OwnerAsync(name), name);
            AddBackendsResult result;
            try
            {
                result = await new RouteEditor(redis).AddBackendsAsync(name, backends, (int?)weightValue, ttlValue);
            }
            catch (RouteWriteRefusedException ex)
            {
                throw new CliInputException(ex.Message);
            }

            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { host = name, schema = result.Schema, added = result.Added });
            }
            else if (result.Added.Count == 0)
            {
                ctx.Info(ttlValue is not null || weightValue is not null
                    ? $"{name}: every backend is already there; {Registration(weightValue, ttlValue)}"
                    : $"{name}: nothing to add, every backend is already there");
            }
            else
            {
                foreach (var url in result.Added)
                {
                    ctx.Info($"+ {name} {url}");
                }

                ctx.Info($"{name}: added {result.Added.Count} backend(s){(result.Schema == RouteSchema.Hipache ? " to its hipache frontend" : string.Empty)}"
                         + (ttlValue is not null || weightValue is not null ? "; " + Registration(weightValue, ttlValue) : string.Empty));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CommandFactory factory)
    {
        var host = new Argument<string>("host") { Description = "Route name" };
        var urls = new Argument<string[]>("url") { Description = "Backends to remove; none removes the whole host", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("remove", """
            Remove backends from a host, or, with no URL, the whole host: its backends, settings, dead marks, ownership
            record and hipache keys of that name. Publishes entrance:changed <host>.

            Examples:
              entrance route remove shop.example.com http://10.0.0.5:8080
              entrance route remove shop.example.com
            """) { host, urls };
        command.Aliases.Add("rm");
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var name = RouteInput.RouteName(parse.GetValue(host));
            var backends = RouteInput.Urls(parse.GetValue(urls) ?? []);
            var redis = await ctx.RedisAsync();
            WarnIfManaged(ctx, await new RouteReader(redis).OwnerAsync(name), name);
            if (backends.Count == 0)
            {
                var removal = await new RouteWriter(redis).RemoveAsync(name, requiredOwner: null, includeHipache: true);
                var removed = removal.Outcome == RemoveOutcome.Removed;
                if (ctx.ReportFormat == OutputFormat.Json)
                {
                    ctx.Json(new { host = name, hostRemoved = removed });
                }
                else
                {
                    ctx.Info(removed ? $"- {name}: removed" : $"{name}: no such route, nothing removed");
                }

                return ExitCodes.Ok;
            }

            var result = await new RouteEditor(redis).RemoveBackendsAsync(name, backends);
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { host = name, removed = result.Removed, backendsLeft = result.NativeLeft + result.HipacheLeft });
                return ExitCodes.Ok;
            }

            foreach (var url in result.Removed)
            {
                ctx.Info($"- {name} {url}");
            }

            ctx.Info(result.Removed.Count == 0
                ? $"{name}: none of those backends was there, nothing removed"
                : $"{name}: removed {result.Removed.Count} backend(s), {result.NativeLeft + result.HipacheLeft} left");
            if (result.Removed.Count > 0 && result.NativeLeft + result.HipacheLeft == 0)
            {
                ctx.Warn($"{name} has no backends left; requests to it now fail (remove the host to let wildcards match it again)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandFactory factory)
    {
        var match = new Option<string?>("--match") { Description = "Only route names matching this glob (Redis SCAN MATCH syntax), e.g. '*.example.com'", HelpName = "glob" };
        var command = new Command("list", """
            List every route name with its schema (native, hipache, declared), backend count, owner and lb policy.
            Found with SCAN, never KEYS: safe on a production Redis.

            Examples:
              entrance route list
              entrance route list --match '*example.com' --output json
            """) { match };
        command.Aliases.Add("ls");
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var redis = await ctx.RedisAsync();
            var routes = await new RouteReader(redis).ReadAsync(await new RouteReader(redis).ScanRouteNamesAsync(parse.GetValue(match)));
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(routes.Select(r => new
                {
                    host = r.Name,
                    schema = SchemaLabel(r),
                    backends = r.EffectiveBackends.Count,
                    owner = r.Owner ?? "manual",
                    lb = r.LoadBalancing,
                }).ToArray());
                return ExitCodes.Ok;
            }

            Tables.Write(ctx, ["HOST", "SCHEMA", "BACKENDS", "OWNER", "LB"],
                routes.Select(r => new[] { r.Name, SchemaLabel(r), r.EffectiveBackends.Count.ToString(), r.Owner ?? "manual", r.LoadBalancing ?? "-" }));
            if (ctx.DataFormat == OutputFormat.Table && !ctx.Quiet)
            {
                ctx.Out.WriteLine($"{routes.Count} route(s)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Set(CommandFactory factory)
    {
        var host = new Argument<string>("host") { Description = "Route name" };
        var lb = new Option<string>("--lb")
        {
            Description = $"Load-balancing policy: {string.Join(", ", RouteInput.Policies)}, or 'default' to use the router's default",
            HelpName = "policy",
        };
        var forwarding = new ForwardingOptions();
        lb.AcceptOnlyFromAmong([.. RouteInput.Policies, "default"]);
        var backendSettings = new BackendSettingOptions();
        var command = new Command("set", """
            Set per-host settings in entrance:host:<host>; publishes entrance:changed <host>. 'off' or 'default' removes a setting.

            Examples:
              entrance route set shop.example.com --lb round-robin
              entrance route set shop.example.com --lb default
              entrance route set shop.example.com --backend-timeout 5m --max-body 100m
              entrance route set objects.example.com --preserve-host 0
              entrance route set shop.example.com --sticky 1
              entrance route set shop.example.com --health-path /healthz --health-interval 5s --health-fails 3
            """) { host, lb };
        forwarding.AddTo(command);
        backendSettings.AddTo(command);
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var name = RouteInput.RouteName(parse.GetValue(host));
            var policy = parse.GetValue(lb);
            var settings = forwarding.Read(parse); // bad values: exit 2 before connecting, nothing written
            foreach (var (field, value) in backendSettings.Read(parse))
            {
                settings[field] = value;
            }

            if (policy is null && settings.Count == 0)
            {
                throw new CliInputException("nothing to set: give --lb or a forwarding, sticky or health option (see --help)");
            }

            if (policy is not null)
            {
                settings[RedisKeys.LbField] = policy == "default" ? string.Empty : policy;
            }

            var redis = await ctx.RedisAsync();
            var current = (await new RouteReader(redis).ReadAsync([name]))[0];
            WarnIfManaged(ctx, current.Owner, name);
            var changed = await new RouteEditor(redis).SetSettingsAsync(name, settings);
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { host = name, lb = policy == "default" ? null : policy, settings, changed = changed > 0 });
            }
            else if (changed == 0)
            {
                ctx.Info($"{name}: {(policy is not null && settings.Count == 1 ? $"lb is already {policy}" : "settings already as given")}");
            }
            else
            {
                foreach (var (field, value) in settings.Where(f => current.Settings.GetValueOrDefault(f.Key, string.Empty) != f.Value))
                {
                    ctx.Info(field == RedisKeys.LbField
                        ? $"~ {name} lb: {current.LoadBalancing ?? "default"} -> {policy}"
                        : $"~ {name} {field}: {current.Settings.GetValueOrDefault(field) ?? "unset"} -> {(value.Length == 0 ? "unset" : value)}");
                }
            }

            if (changed > 0 && current.EffectiveBackends.Count == 0 && settings.Values.Any(v => v.Length > 0))
            {
                ctx.Warn($"{name} has no backends: it is now declared and answers 502 until backends are added");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Registration(long? weight, TimeSpan? ttl) =>
        string.Join(", ", new[]
        {
            weight is { } w ? $"weight {w}" : null,
            ttl is { } t ? $"registered for {t.TotalSeconds:0.###}s" : null,
        }.Where(p => p is not null));

    internal static string SchemaLabel(RouteData route) => route switch
    {
        { HasNative: true, HasHipache: true } => "native+hipache",
        { HasNative: true } => "native",
        { HasHipache: true } => "hipache",
        _ => "declared",
    };

    private static void WarnIfManaged(CliContext ctx, string? owner, string name)
    {
        if (owner is not null)
        {
            ctx.Warn($"{name} is managed by '{owner}'; its next write may undo this change");
        }
    }
}
