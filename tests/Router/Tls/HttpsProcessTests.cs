using System.Diagnostics;
using Entrance.Testing;

namespace Entrance.Router.Tests.Tls;

/// <summary>The shipped router binary with an HTTPS listener, asked by curl as a user would (SNI by --resolve, the test CA trusted).</summary>
public sealed class HttpsProcessTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Curl_HttpsWithSni_VerifiedCertificateAndProxiedAnswer()
    {
        await redis.Server.CliAsync("FLUSHALL");
        using var certificates = new TestCertificates();
        await using var backend = await TestBackend.StartAsync("curl-app");
        await redis.Server.CliAsync("SADD", "entrance:backends:curl.example.com", backend.Url);
        await redis.Server.StoreAsync("curl.example.com", certificates.Leaf("curl.example.com"));
        var port = FreePort.Next();
        await using var router = await RouterProcess.StartAsync(redis.Server, $"Entrance:HttpsUrls=https://127.0.0.1:{port}");
        var directory = Directory.CreateTempSubdirectory("entrance-curl-").FullName;
        var ca = certificates.WriteCaFile(directory);

        var (exit, stdout, stderr) = await CurlAsync("-sS", "-v", "--max-time", "20", "--resolve", $"curl.example.com:{port}:127.0.0.1",
            "--cacert", ca, $"https://curl.example.com:{port}/headers");

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Contains("subject: CN=curl.example.com", stderr);
        Assert.Contains("\"x-forwarded-proto\":\"https\"", stdout.ToLowerInvariant());
        Assert.Contains("curl-app", stderr.ToLowerInvariant()); // X-Backend: curl-app
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> CurlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
