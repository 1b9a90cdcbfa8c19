using System.Diagnostics;
using Entrance.Testing;

namespace Entrance.Cli.Tests;

/// <summary>The README's install path: the CLI packs as a .NET tool whose command is <c>entrance</c>.</summary>
public class ToolPackageTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task Pack_InstalledAsDotnetTool_EntranceCommandRuns()
    {
        var work = Directory.CreateTempSubdirectory("entrance-tool-");
        try
        {
            var packages = Path.Combine(work.FullName, "packages");
            var tools = Path.Combine(work.FullName, "tools");

            // --no-build: the test run already built the CLI; packing must not rebuild it under the running tests.
            await RunAsync("dotnet", "pack", Path.Combine(RepoPaths.Root, "src", "Cli", "Entrance.Cli.csproj"), "--no-build", "-c", Configuration, "-o", packages, "-nologo");
            await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--add-source", packages, "Entrance.Cli");
            var help = await RunAsync(Path.Combine(tools, "entrance"), "--help");

            Assert.Contains("entrance [command] [options]", help);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        return await stdout;
    }
}
