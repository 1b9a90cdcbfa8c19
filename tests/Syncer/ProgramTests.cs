using Entrance.Syncer.Tests.Fakes;

namespace Entrance.Syncer.Tests;

public class ProgramTests
{
    [Fact]
    public async Task Main_KubeconfigMissing_ExitsWithClearMessage()
    {
        await using var syncer = SyncerProcess.Start("x", "--Kubernetes:Kubeconfig", "/nonexistent/kubeconfig", "--Entrance:Redis", "127.0.0.1:1");

        var code = await syncer.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        Assert.Contains("entrance-syncer: configuration error: kubeconfig not found: /nonexistent/kubeconfig", syncer.Log);
        Assert.DoesNotContain("   at ", syncer.Log);
    }

    [Fact]
    public async Task Main_LeaseTimingsInconsistent_ExitsWithClearMessage()
    {
        await using var api = await TestApiServer.StartAsync();
        await using var syncer = SyncerProcess.Start("x", "--Kubernetes:Kubeconfig", TestKubeconfig.Write(api.Url), "--Entrance:Redis", "127.0.0.1:1",
            "--Syncer:LeaderElection:RenewDeadline", "00:00:20");

        var code = await syncer.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        Assert.Contains("entrance-syncer: configuration error: Syncer:LeaderElection:RenewDeadline must be shorter than LeaseDuration", syncer.Log);
    }

    [Fact]
    public async Task Main_BadSettings_AllInOneLineBeforeCredentialsAndExitTwo()
    {
        await using var syncer = SyncerProcess.Start("x", "--Kubernetes:Kubeconfig", "/nonexistent/kubeconfig", "--Entrance:Redis", "127.0.0.1:1",
            "--Syncer:ResyncInterval", "-00:00:01", "--Syncer:IngressClass", " ", "--Syncer:LeaderElection:RetryPeriod", "00:00:30");

        var code = await syncer.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        var line = syncer.Log.Split('\n').Single(l => l.StartsWith("entrance-syncer: configuration error: ", StringComparison.Ordinal));
        Assert.Contains("Syncer:ResyncInterval must be positive; Syncer:IngressClass must be set", line);
        Assert.Contains("Syncer:LeaderElection:RetryPeriod must be shorter than RenewDeadline", line);
        Assert.DoesNotContain("kubeconfig not found", syncer.Log);
        Assert.DoesNotContain("   at ", syncer.Log);
    }

    [Fact]
    public async Task Main_UnconvertibleSetting_OneLineAndExitTwo()
    {
        await using var syncer = SyncerProcess.Start("x", "--Kubernetes:Kubeconfig", "/nonexistent/kubeconfig", "--Syncer:ResyncInterval", "banana");

        var code = await syncer.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        Assert.Contains("entrance-syncer: configuration error: Failed to convert configuration value 'banana' at 'Syncer:ResyncInterval'", syncer.Log);
    }

    [Fact]
    public async Task Main_ExecPluginMissing_ExitsWithClearMessage()
    {
        var kubeconfig = TestKubeconfig.Write("http://127.0.0.1:1", user: """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /nonexistent/get-token
                  interactiveMode: Never
            """);
        await using var syncer = SyncerProcess.Start("x", "--Kubernetes:Kubeconfig", kubeconfig, "--Entrance:Redis", "127.0.0.1:1");

        var code = await syncer.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        Assert.Contains($"entrance-syncer: configuration error: kubeconfig {kubeconfig}: ", syncer.Log);
        Assert.Contains("/nonexistent/get-token", syncer.Log);
        Assert.DoesNotContain("   at ", syncer.Log);
    }
}
