using System.Diagnostics;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>Runs the real kubectl (Debian's kubernetes-client), with a throwaway cache directory.</summary>
public static class Kubectl
{
    public static string? Path { get; } = Find();

    /// <summary>Set when kubectl is absent, so the tests that need it can say why they skip.</summary>
    public static string MissingMessage => "kubectl not found on PATH: install Debian's kubernetes-client (apt-get install -y kubernetes-client)";

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var cache = Directory.CreateTempSubdirectory("entrance-kubectl-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Path ?? "kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            psi.ArgumentList.Add("--cache-dir");
            psi.ArgumentList.Add(cache);
            psi.Environment["KUBECONFIG"] = System.IO.Path.Combine(cache, "none");
            psi.Environment["HOME"] = cache;
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await p.WaitForExitAsync(timeout.Token);
            return (p.ExitCode, await output, await error);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            var candidate = System.IO.Path.Combine(dir, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, only when kubectl is absent (xunit 2 has no dynamic skip).</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = Kubectl.MissingMessage;
        }
    }
}
