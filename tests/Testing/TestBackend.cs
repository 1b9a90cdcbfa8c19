using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entrance.Testing;

/// <summary>
/// A real Kestrel backend on 127.0.0.1. It names itself in <c>X-Backend</c> and the body, and offers
/// <c>/headers</c> (request headers as JSON), <c>/ws</c> (WebSocket echo), <c>/upload</c> (counts a streamed body),
/// <c>/download?bytes=N</c> (streams N bytes), <c>/slow?ms=N</c>, <c>/status/{code}</c>, <c>/health</c> (200 or 503 as
/// <see cref="Healthy"/> says, counted in <see cref="HealthChecks"/>) and <c>/cookie/{name}</c> (sets that cookie).
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _hits;
    private int _healthChecks;

    private TestBackend(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The base URL, as stored in Redis: http://127.0.0.1:port</summary>
    public string Url { get; private set; } = string.Empty;

    public int Port => new Uri(Url).Port;

    public int Hits => Volatile.Read(ref _hits);

    /// <summary>What <c>/health</c> answers: 200 while true, 503 once false.</summary>
    public bool Healthy { get; set; } = true;

    public int HealthChecks => Volatile.Read(ref _healthChecks);

    public static async Task<TestBackend> StartAsync(string name, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var backend = new TestBackend(app, name);
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref backend._hits);
            context.Response.Headers["X-Backend"] = name;
            context.Response.Headers["X-Backend-Path"] = context.Request.Path.Value + context.Request.QueryString.Value; // what the router forwarded
            await next(context);
        });
        app.Map("/headers", (HttpContext c) =>
            Results.Json(c.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        app.Map("/ws", async (HttpContext c) =>
        {
            if (!c.WebSockets.IsWebSocketRequest)
            {
                c.Response.StatusCode = 400;
                return;
            }

            using var ws = await c.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[8192];
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, CancellationToken.None);
            }
        });
        app.MapPost("/upload", async (HttpContext c) =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = await c.Request.Body.ReadAsync(buffer)) > 0)
            {
                total += n;
            }

            return Results.Text(total.ToString());
        });
        app.Map("/download", async (HttpContext c) =>
        {
            var bytes = long.Parse(c.Request.Query["bytes"].ToString());
            c.Response.ContentLength = bytes;
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'x');
            for (long sent = 0; sent < bytes; sent += chunk.Length)
            {
                await c.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)));
            }
        });
        app.Map("/slow", async (HttpContext c) =>
        {
            await Task.Delay(int.Parse(c.Request.Query["ms"].ToString()), c.RequestAborted);
            return Results.Text(name);
        });
        app.Map("/status/{code:int}", (int code, HttpContext c) =>
        {
            if (c.Request.Query.ContainsKey("retryAfter"))
            {
                c.Response.Headers.RetryAfter = "30";
            }

            return Results.Text(name, statusCode: code);
        });
        app.Map("/health", (HttpContext c) =>
        {
            Interlocked.Increment(ref backend._healthChecks);
            return Results.Text(name, statusCode: backend.Healthy ? 200 : 503);
        });
        app.Map("/cookie/{cookie}", (string cookie, HttpContext c) =>
        {
            c.Response.Headers.Append("Set-Cookie", $"{cookie}={name}-session; Path=/");
            return Results.Text(name);
        });
        app.MapFallback((HttpContext c) => Results.Text(name));
        await app.StartAsync();
        backend.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return backend;
    }

    public static async Task<TestBackend[]> StartManyAsync(params string[] names)
    {
        var backends = new TestBackend[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            backends[i] = await StartAsync(names[i]);
        }

        return backends;
    }

    public static Dictionary<string, string> ParseHeaders(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json)!
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
