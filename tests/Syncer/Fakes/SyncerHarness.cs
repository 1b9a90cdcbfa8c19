using System.Net.Http;
using Entrance.Syncer.Sync;
using Entrance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>Writes kubeconfig files pointing at a test API server.</summary>
public static class TestKubeconfig
{
    /// <summary>A kubeconfig whose user sends <paramref name="token"/>, or whose user block is <paramref name="user"/> (YAML, indented 4).</summary>
    public static string Write(string server, string? token = "test-token", string ns = "entrance", string? user = null)
    {
        var dir = Directory.CreateTempSubdirectory("entrance-kubeconfig-").FullName;
        var path = Path.Combine(dir, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: other
              cluster:
                server: http://127.0.0.1:1
            - name: test
              cluster:
                server: {server}
            contexts:
            - name: test
              context:
                cluster: test
                user: tester
                namespace: {ns}
            users:
            - name: tester
              user:
            {user ?? "    token: " + token}
            """);
        return path;
    }

    /// <summary>
    /// A kubeconfig whose user authenticates through an <c>exec</c> credential plugin: a shell script that prints an
    /// ExecCredential with <paramref name="token"/> and appends a line to <c>calls</c> next to it each time it runs.
    /// </summary>
    public static string WriteExec(string server, string token, string apiVersion = "client.authentication.k8s.io/v1")
    {
        var dir = Directory.CreateTempSubdirectory("entrance-exec-").FullName;
        var script = Path.Combine(dir, "get-token.sh");
        File.WriteAllText(script, $$$"""
            #!/bin/sh
            echo run >> "{{{Path.Combine(dir, "calls")}}}"
            echo '{"apiVersion":"{{{apiVersion}}}","kind":"ExecCredential","status":{"token":"{{{token}}}"}}'

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return Write(server, user: $"""
                exec:
                  apiVersion: {apiVersion}
                  command: {script}
                  interactiveMode: Never
            """);
    }
}

/// <summary>A real Syncer app (SyncerApp.Build, as Program runs it) in process, against a test API server and a real Redis.</summary>
public sealed class SyncerHarness : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SyncerHarness(WebApplication app, ListLoggerProvider logs)
    {
        _app = app;
        Logs = logs;
    }

    public SyncerRuntime Runtime => _app.Services.GetRequiredService<SyncerRuntime>();

    public string AdminUrl => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Short lease timings so tests run fast; everything else at its default unless overridden.</summary>
    public static string[] Args(TestApiServer api, RedisServer redis, string identity, params string[] extra) =>
    [
        "--urls", "http://127.0.0.1:0",
        "--Entrance:Redis", redis.Configuration,
        "--Kubernetes:Kubeconfig", TestKubeconfig.Write(api.Url),
        "--Syncer:InitialBackoff", "00:00:00.050",
        "--Syncer:MaxBackoff", "00:00:01",
        "--Syncer:LeaderElection:Identity", identity,
        "--Syncer:LeaderElection:LeaseDuration", "00:00:03",
        "--Syncer:LeaderElection:RenewDeadline", "00:00:02",
        "--Syncer:LeaderElection:RetryPeriod", "00:00:00.500",
        .. extra,
    ];

    /// <summary>Every log line of this Syncer.</summary>
    public ListLoggerProvider Logs { get; }

    public static async Task<SyncerHarness> StartAsync(TestApiServer api, RedisServer redis, string identity = "syncer-a", params string[] extra)
    {
        var logs = new ListLoggerProvider();
        var app = SyncerApp.Build(Args(api, redis, identity, extra), b => b.Logging.AddProvider(logs));
        await app.StartAsync();
        return new SyncerHarness(app, logs);
    }

    public async Task<string> GetAsync(string path)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(AdminUrl + path);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
