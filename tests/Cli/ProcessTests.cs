using System.Diagnostics;
using System.Text.Json;
using Entrance.Testing;

namespace Entrance.Cli.Tests;

/// <summary>The built `entrance` binary as a real process: exit codes, pipes, environment.</summary>
public class ProcessTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly string Binary = Path.Combine(AppContext.BaseDirectory, "entrance.dll");

    public async Task InitializeAsync() => await redis.Server.CliAsync("FLUSHALL");

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<CliRun> RunProcessAsync(string? stdin, Dictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Binary);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment.Remove("ENTRANCE_REDIS");
        foreach (var (k, v) in env ?? [])
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Binary_ApplyPipedThroughStdin_ExitCodesForCiGate()
    {
        const string file = "hosts:\n  - host: ci.example.com\n    backends: [\"http://10.0.0.5:8080\"]\n";
        var redisArgs = new[] { "--redis", redis.Server.Configuration };

        var pending = await RunProcessAsync(file, null, [.. redisArgs, "apply", "-f", "-", "--dry-run"]);
        var applied = await RunProcessAsync(file, null, [.. redisArgs, "apply", "-f", "-"]);
        var clean = await RunProcessAsync(file, null, [.. redisArgs, "apply", "-f", "-", "--dry-run"]);
        var bad = await RunProcessAsync("hosts:\n  - host: bad..host\n    backends: []\n", null, [.. redisArgs, "apply", "-f", "-"]);

        Assert.True(pending.Exit == 3, pending.ToString());
        Assert.Equal(0, applied.Exit);
        Assert.Equal("http://10.0.0.5:8080", await redis.Server.CliAsync("SMEMBERS", "entrance:backends:ci.example.com"));
        Assert.Equal(0, clean.Exit);
        Assert.Contains("No changes", clean.Out);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("<stdin>:2:11: invalid host \"bad..host\"", bad.Err);
    }

    [Fact]
    public async Task Binary_RedisFromEnvironmentUnreachable_Exit1FastNamingAddress()
    {
        var port = FreePort.Next();
        var watch = Stopwatch.StartNew();

        var run = await RunProcessAsync(null, new() { ["ENTRANCE_REDIS"] = $"127.0.0.1:{port}" }, "route", "list");

        Assert.Equal(1, run.Exit);
        Assert.Contains($"cannot reach Redis at 127.0.0.1:{port}", run.Err);
        Assert.Equal("", run.Out);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Binary_ListPiped_PrintsJson()
    {
        await redis.Server.CliAsync("SADD", "entrance:backends:p.example.com", "http://1:80");

        var run = await RunProcessAsync(null, new() { ["ENTRANCE_REDIS"] = redis.Server.Configuration }, "route", "list");

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("p.example.com", json.RootElement[0].GetProperty("host").GetString());
    }

    [Fact]
    public async Task Binary_InvalidArguments_Exit2()
    {
        var run = await RunProcessAsync(null, null, "route", "add", "only-a-host.example.com");

        Assert.Equal(2, run.Exit);
        Assert.Contains("error:", run.Err);
    }
}
