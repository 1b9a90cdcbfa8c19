using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http;
using Entrance.Testing;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>The real Syncer as a separate process (<c>dotnet Entrance.Syncer.dll</c>), so a leader can be killed with SIGKILL.</summary>
public sealed class SyncerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly string _workDir;

    private SyncerProcess(Process process, string adminUrl, string identity, string workDir)
    {
        _process = process;
        AdminUrl = adminUrl;
        Identity = identity;
        _workDir = workDir;
    }

    public string AdminUrl { get; }
    public string Identity { get; }
    public bool HasExited => _process.HasExited;
    public string Log => string.Join('\n', _log);

    public static SyncerProcess Start(string identity, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Entrance.Syncer.dll");
        var adminUrl = $"http://127.0.0.1:{FreePort.Next()}";
        // A working directory of its own: the test output holds the router's appsettings.json.
        var workDir = Directory.CreateTempSubdirectory("entrance-syncer-").FullName;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(adminUrl);
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the Syncer");
        var syncer = new SyncerProcess(process, adminUrl, identity, workDir);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) syncer._log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) syncer._log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return syncer;
    }

    /// <summary>One metric's value from /metrics, or null while the process does not answer.</summary>
    public async Task<double?> MetricAsync(string name)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var text = await http.GetStringAsync(AdminUrl + "/metrics");
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(name + " ", StringComparison.Ordinal))
                {
                    return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the host shuts down cleanly.</summary>
    public async Task TerminateAsync(TimeSpan within)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString()])!;
        await kill.WaitForExitAsync();
        await WaitForExitAsync(within);
    }

    /// <summary>SIGKILL: no lease release, no goodbye.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
