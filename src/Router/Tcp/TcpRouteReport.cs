using System.Globalization;
using System.Text.Json;
using Entrance.Core.Store;
using Entrance.Hosting.Admin;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tcp;

/// <summary>
/// <c>/routes/tcp/&lt;port&gt;</c>: how this router resolves a TCP port now (through the same cache connections use), and
/// <c>/routes/tcp/all</c>: every TCP route in Redis, with the ports this router listens on. JSON.
/// </summary>
public sealed class TcpRouteReport(TcpRouteCache cache, TcpRouteStore store, IOptions<TcpOptions> options, TimeProvider time) : IAdminRoute
{
    public string Prefix => "/routes/tcp/";

    public async Task HandleAsync(HttpContext context, string rest)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json; charset=utf-8";
        var listening = new HashSet<int>(SafePorts());
        using var stream = new MemoryStream();
        await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            if (rest is "all" or "*")
            {
                IReadOnlyList<TcpRouteRecord> routes;
                try
                {
                    routes = await store.ListAsync(context.RequestAborted);
                }
                catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
                {
                    response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    json.WriteStartObject();
                    json.WriteString("note", "Redis cannot answer: " + ex.Message);
                    json.WriteEndObject();
                    await json.FlushAsync();
                    await response.Body.WriteAsync(stream.ToArray());
                    return;
                }

                json.WriteStartObject();
                json.WriteStartArray("listening");
                foreach (var port in listening.Order())
                {
                    json.WriteNumberValue(port);
                }

                json.WriteEndArray();
                json.WriteStartArray("routes");
                foreach (var route in routes)
                {
                    WriteRoute(json, route, new TcpRouteEntry(route, cache.State(route.Port), options.Value, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance), listening, null, null);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }
            else if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                try
                {
                    var lookup = await cache.GetAsync(port);
                    var source = lookup.Source.ToString().ToLowerInvariant();
                    if (lookup.Entry is null)
                    {
                        response.StatusCode = StatusCodes.Status404NotFound;
                        json.WriteStartObject();
                        json.WriteNumber("port", port);
                        json.WriteBoolean("listening", listening.Contains(port));
                        json.WriteString("source", source);
                        json.WriteString("note", "no TCP route for this port: connections to it are closed at once");
                        json.WriteEndObject();
                    }
                    else
                    {
                        WriteRoute(json, lookup.Entry.Record, lookup.Entry, listening, source, Math.Max(0, Math.Min(lookup.Slot.FreshUntilMs, lookup.Slot.StoredAtMs + cache.TtlMs) - cache.NowMs));
                    }
                }
                catch (RouteStoreUnavailableException ex)
                {
                    response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    json.WriteStartObject();
                    json.WriteNumber("port", port);
                    json.WriteString("note", "Redis cannot answer and nothing is cached: connections are closed (" + ex.Message + ")");
                    json.WriteEndObject();
                }
            }
            else
            {
                response.StatusCode = StatusCodes.Status400BadRequest;
                json.WriteStartObject();
                json.WriteString("note", "use /routes/tcp/<port> (1-65535) or /routes/tcp/all");
                json.WriteEndObject();
            }
        }

        await response.Body.WriteAsync(stream.ToArray());
    }

    private void WriteRoute(Utf8JsonWriter json, TcpRouteRecord route, TcpRouteEntry entry, HashSet<int> listening, string? source, long? ttlLeftMs)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        json.WriteStartObject();
        json.WriteNumber("port", route.Port);
        json.WriteBoolean("listening", listening.Contains(route.Port));
        if (source is not null)
        {
            json.WriteString("source", source);
        }

        if (ttlLeftMs is { } ttl)
        {
            json.WriteNumber("ttlLeftMs", ttl);
        }

        var s = entry.Settings;
        json.WriteString("lb", s.Balancing switch { TcpBalancing.Random => "random", TcpBalancing.LeastConnections => "least-connections", _ => "round-robin" });
        json.WriteString("proxyProtocol", s.ProxyProtocol switch { ProxyHeaderVersion.V1 => "v1", ProxyHeaderVersion.V2 => "v2", _ => "off" });
        json.WriteNumber("idleTimeoutMs", (long)s.IdleTimeout.TotalMilliseconds);
        json.WriteNumber("connectTimeoutMs", (long)s.ConnectTimeout.TotalMilliseconds);
        json.WriteNumber("maxConnections", s.MaxConnections);
        json.WriteNumber("open", entry.State.Open);
        json.WriteStartArray("problems");
        foreach (var problem in s.Problems)
        {
            json.WriteStringValue(problem);
        }

        json.WriteEndArray();
        json.WriteStartArray("backends");
        foreach (var address in route.Backends)
        {
            var backend = entry.Backends.FirstOrDefault(b => b.Address == address);
            json.WriteStartObject();
            json.WriteString("address", address);
            json.WriteBoolean("valid", backend is not null);
            json.WriteBoolean("dead", backend is not null && entry.IsDead(backend, now));
            json.WriteNumber("open", backend?.Load.Open ?? 0);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private IReadOnlyList<int> SafePorts()
    {
        try
        {
            return options.Value.ParsePorts();
        }
        catch (FormatException)
        {
            return [];
        }
    }
}
