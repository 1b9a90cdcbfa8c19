using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Entrance.Testing;

namespace Entrance.Router.Tests;

/// <summary>The built router (Entrance.Router.dll) as a separate OS process, for signals and multi-router tests.</summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RouterProcess(Process process, int port, int adminPort)
    {
        _process = process;
        Port = port;
        AdminPort = adminPort;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        AdminClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public int AdminPort { get; }

    /// <summary>A client for the admin listener (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>/routes/&lt;host&gt;</c>).</summary>
    public HttpClient AdminClient { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The OS process id, e.g. to read <c>/proc/&lt;id&gt;/task</c>.</summary>
    public int Id => _process.Id;

    /// <summary>Starts a router expected to refuse its settings; waits for it to exit and returns its code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(RedisServer redis, params string[] settings)
    {
        await using var router = Launch(redis, settings);
        if (!await router.WaitForExitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("router kept running: " + router.Output);
        }

        router._process.WaitForExit(); // drains the redirected output
        return (router.ExitCode, router.Output);
    }

    /// <param name="settings"><c>key=value</c> pairs, passed as <c>--key value</c> after the defaults (so they win).</param>
    public static async Task<RouterProcess> StartAsync(RedisServer redis, params string[] settings)
    {
        var router = Launch(redis, settings);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (router.HasExited)
            {
                throw new InvalidOperationException("router exited: " + router.Output);
            }

            try
            {
                using var ping = await router.GetAsync("__ping__");
                if (ping.IsSuccessStatusCode)
                {
                    return router;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        await router.DisposeAsync();
        throw new TimeoutException("router did not answer __ping__: " + router.Output);
    }

    private static RouterProcess Launch(RedisServer redis, string[] settings)
    {
        var port = FreePort.Next();
        var adminPort = FreePort.Next();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Entrance.Router.dll"), "--urls", $"http://127.0.0.1:{port}", "--Entrance:Redis", redis.Configuration,
                     "--Entrance:AdminUrls", $"http://127.0.0.1:{adminPort}", "--Entrance:AccessLog:Output", "off" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var pair in settings)
        {
            var eq = pair.IndexOf('=');
            psi.ArgumentList.Add("--" + pair[..eq]);
            psi.ArgumentList.Add(pair[(eq + 1)..]);
        }

        return new RouterProcess(Process.Start(psi)!, port, adminPort);
    }

    public async Task<HttpResponseMessage> GetAsync(string host, string path = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        return await Client.SendAsync(request);
    }

    /// <summary>SIGTERM, as an orchestrator stopping the pod would send.</summary>
    public void Terminate() => Kill(_process.Id, SigTerm);

    public Task<bool> WaitForExitAsync(TimeSpan within) => _process.WaitForExitAsync().WaitAsync(within).ContinueWith(t => t.IsCompletedSuccessfully);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        AdminClient.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
