using System.CommandLine;
using Entrance.Cli.Certificates;
using Entrance.Cli.Input;
using Entrance.Cli.Output;
using Entrance.Core.Hosts;
using Entrance.Core.Schema;
using Entrance.Core.Store;

namespace Entrance.Cli.Routes;

/// <summary><c>entrance route show &lt;host&gt;</c>: which route a router serves a host from, resolved as a router does.</summary>
internal static class RouteShowCommand
{
    public static Command Create(CommandFactory factory)
    {
        var host = new Argument<string>("host") { Description = "A host as a client sends it (Shop.Example.com:443 works) or a route name" };
        var command = new Command("show", """
            Show how a router resolves a host: the matched key (exact, wildcard or catch-all; native or hipache), the
            backends, their dead marks and when those expire, and which certificate its TLS handshakes get.

            Examples:
              entrance route show shop.example.com
              entrance route show a.b.example.com --output json
            """) { host };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var (rawHost, _) = RoutePath.Split(parse.GetValue(host)!); // host/prefix shows the host, with all its paths
            var lookup = RouteInput.LookupHost(rawHost);
            var redis = await ctx.RedisAsync();
            var record = await new RedisRouteStore(redis).ResolveAsync(lookup, ctx.CancellationToken);
            var now = DateTimeOffset.UtcNow;
            var certificate = await HandshakeCertificate.FindAsync(redis, lookup, now);
            if (record is null)
            {
                if (ctx.DataFormat == OutputFormat.Json)
                {
                    ctx.Json(new { host = lookup, matched = false, tried = HostName.Candidates(lookup), certificate = certificate.ToJson(now) });
                }
                else
                {
                    ctx.Out.WriteLine($"{lookup}: no route matches (a router answers 404); tried {string.Join(", ", HostName.Candidates(lookup))}");
                    ctx.Out.WriteLine($"certificate: {certificate.Describe(now)}");
                }

                return ExitCodes.Ok;
            }

            var owner = await new RouteReader(redis).OwnerAsync(record.RouteName) ?? "manual";
            var match = record.RouteName == lookup ? "exact" : record.RouteName == HostName.CatchAll ? "catch-all" : "wildcard";
            var dead = record.Dead.ToDictionary(d => d.Url, d => d.ExpiresAtUnixMs, StringComparer.Ordinal);
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(new
                {
                    host = lookup,
                    matched = true,
                    routeName = record.RouteName,
                    matchedKey = record.MatchedKey,
                    match,
                    schema = record.Schema,
                    identifier = record.Identifier,
                    owner,
                    settings = record.Settings,
                    problem = record.Problem,
                    settingsProblems = SettingsProblems(record),
                    backends = record.Backends.Select((url, i) => new
                    {
                        url,
                        valid = IsUsableUrl(url),
                        dead = dead.ContainsKey(url),
                        deadUntil = dead.TryGetValue(url, out var until) && until < DeadMarks.NeverExpires ? DateTimeOffset.FromUnixTimeMilliseconds(until) : (DateTimeOffset?)null,
                        weight = RouteShowPaths.WeightOf(record, i),
                        expiresInMs = RouteShowPaths.ExpiresInMs(record, i),
                    }).ToArray(),
                    paths = RouteShowPaths.Json(record),
                    problems = record.Problems,
                    certificate = certificate.ToJson(now),
                });
                return ExitCodes.Ok;
            }

            var rows = new List<string[]>
            {
                new[] { "host", lookup },
                new[] { "matched key", $"{record.MatchedKey} ({match}, {record.Schema.ToString().ToLowerInvariant()})" },
                new[] { "owner", owner },
            };
            if (record.Problem is not null)
            {
                rows.Add(["problem", record.Problem + " (a router answers 502 bad-route)"]);
            }

            if (record.Identifier is not null)
            {
                rows.Add(["hipache identifier", record.Identifier]);
            }

            foreach (var (field, value) in record.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                rows.Add([field, ForwardingSettings.Check(field, value) is { } bad ? $"{value}  INVALID, routers ignore it: {bad}" : value]);
            }

            if (record.Backends.Count == 0)
            {
                rows.Add(["backends", "none (a router answers 502)"]);
            }

            for (var i = 0; i < record.Backends.Count; i++)
            {
                var url = record.Backends[i];
                rows.Add(["backend", (!IsUsableUrl(url) ? $"{url}  INVALID URL, routers skip it"
                    : dead.TryGetValue(url, out var until) ? $"{url}  DEAD until {Tables.Expiry(until, now)}" : url) + RouteShowPaths.Extras(record, i)]);
            }

            RouteShowPaths.AddRows(rows, record, now);

            rows.Add(["certificate", certificate.Describe(now)]);
            Tables.WriteFields(ctx, rows);

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>As routers judge a backend URL: absolute http:// or https:// with a host.</summary>
    private static bool IsUsableUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    private static string[] SettingsProblems(RouteRecord record) =>
        [.. record.Settings.Select(s => ForwardingSettings.Check(s.Key, s.Value)).OfType<string>()];
}
