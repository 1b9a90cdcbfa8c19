using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Export;

/// <summary>The CLI against a real three-master Redis Cluster: apply, export and the lists reach every master.</summary>
public sealed class ClusterCliTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private const string File = """
        hosts:
          - host: shop.example.com
            backends: ["http://10.0.0.5:8080", "http://10.0.0.6:8080"]
            lb: round-robin
          - host: shop.example.com/api
            backends: ["http://10.0.0.9:8080"]
          - host: "*.apps.example.com"
            backends: ["http://10.1.0.1:80"]
          - host: a.example.com
            backends: ["http://10.2.0.1:80"]
          - host: b.example.com
            backends: ["http://10.2.0.2:80"]
          - host: c.example.com
            backends: ["http://10.2.0.3:80"]
        tcp:
          - port: 30001
            backends: ["10.0.0.5:5432"]
          - port: 30002
            backends: ["10.0.0.7:1883"]
        """;

    private RedisCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        await Cluster.FlushAllAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<CliRun> RunAsync(string? stdin, params string[] args) => RunWithAsync(null, stdin, false, ["--redis", Cluster.Configuration, .. args]);

    [Fact]
    public async Task ApplyAndExport_OnCluster_WriteEveryMasterAndRoundTrip()
    {
        var apply = await RunAsync(File, "apply", "-f", "-");
        Assert.True(apply.Exit == 0, apply.ToString());

        // The routes' keys are spread over the masters, each host's keys (and path routes) in one slot.
        var nodes = new[] { "shop.example.com", "*.apps.example.com", "a.example.com", "b.example.com", "c.example.com" }
            .Select(h => Cluster.NodeOf($"entrance:backends:{{{h}}}").Port).Distinct().Count();
        Assert.True(nodes >= 2, $"{nodes} node(s)");
        Assert.Equal("http://10.0.0.9:8080", await Cluster.CliAsync("SMEMBERS", "entrance:backends:{shop.example.com}/api"));
        Assert.Equal("apply", await Cluster.CliAsync("HGET", "entrance:owners:{shop.example.com}", "shop.example.com/api"));

        // A hipache frontend written raw is exported as it is served.
        await Cluster.CliAsync("RPUSH", "frontend:legacy.example.com", "legacy", "http://10.9.0.1:80");

        var export = await RunAsync(null, "export", "--format", "json");
        Assert.True(export.Exit == 0, export.ToString());
        using (var doc = JsonDocument.Parse(export.Out))
        {
            var hosts = doc.RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("host").GetString()).ToList();
            Assert.Equal(["*.apps.example.com", "a.example.com", "b.example.com", "c.example.com", "legacy.example.com", "shop.example.com", "shop.example.com/api"], hosts.Order(StringComparer.Ordinal));
            Assert.Equal(2, doc.RootElement.GetProperty("tcp").GetArrayLength());
        }

        // Applying the export again changes nothing: owners are read back from the per-host records.
        await Cluster.CliAsync("DEL", "frontend:legacy.example.com");
        var again = await RunAsync(File, "apply", "-f", "-", "--dry-run", "--output", "json");
        Assert.True(again.Exit == 0, again.ToString());
        using (var plan = JsonDocument.Parse(again.Out))
        {
            Assert.Empty(plan.RootElement.GetProperty("changes").EnumerateArray());
        }

        var list = await RunAsync(null, "route", "list", "--output", "plain");
        Assert.Equal(6, list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var tcp = await RunAsync(null, "--output", "json", "tcp", "list");
        Assert.Contains("30002", tcp.Out, StringComparison.Ordinal);
    }
}
