using System.Net;
using System.Text.Json.Nodes;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>The test API server must be faithful: the real kubectl talks to it, and its protocol corners behave.</summary>
public class TestApiServerTests : IAsyncLifetime
{
    private TestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [KubectlFact]
    public async Task Kubectl_GetServicesAllNamespaces_ListsServices()
    {
        _api.Upsert(ApiKind.Services, Objects.Service("shop", "web", "shop.example.com"));
        _api.Upsert(ApiKind.Services, Objects.Service("blog", "front", null));

        var (code, output, error) = await Kubectl.RunAsync("--server", _api.Url, "get", "services", "-A");

        Assert.True(code == 0, $"kubectl failed ({code}): {error}");
        Assert.Contains("web", output);
        Assert.Contains("front", output);
        Assert.Contains("shop", output);
    }

    [KubectlFact]
    public async Task Kubectl_GetSecretsWithFieldSelector_ListsOnlyMatchingType()
    {
        JsonObject Secret(string name, string type) => new() { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "shop" }, ["type"] = type };
        _api.Upsert(ApiKind.Secrets, Secret("shop-tls", "kubernetes.io/tls"));
        _api.Upsert(ApiKind.Secrets, Secret("db-password", "Opaque"));

        var (code, output, error) = await Kubectl.RunAsync("--server", _api.Url, "get", "secrets", "-A", "--field-selector", "type=kubernetes.io/tls", "-o", "name");

        Assert.True(code == 0, $"kubectl failed ({code}): {error}");
        Assert.Equal("secret/shop-tls", output.Trim());
    }

    [KubectlFact]
    public async Task Kubectl_GetServiceAsJson_ReturnsObjectWithResourceVersion()
    {
        _api.Upsert(ApiKind.Services, Objects.Service("shop", "web", "shop.example.com"));

        var (code, output, error) = await Kubectl.RunAsync("--server", _api.Url, "get", "svc", "web", "-n", "shop", "-o", "json");

        Assert.True(code == 0, $"kubectl failed ({code}): {error}");
        var obj = JsonNode.Parse(output)!;
        Assert.Equal("shop.example.com", obj["metadata"]!["annotations"]!["entrance.io/hosts"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(obj["metadata"]!["resourceVersion"]!.GetValue<string>()));
    }

    [KubectlFact]
    public async Task Kubectl_GetEndpointSlicesAndLeases_UsesGroupDiscovery()
    {
        _api.Upsert(ApiKind.EndpointSlices, Objects.Slice("shop", "web-abc", "web", "http", 8080, new Objects.Ep("10.0.0.1")));

        var slices = await Kubectl.RunAsync("--server", _api.Url, "get", "endpointslices.discovery.k8s.io", "-A");
        var leases = await Kubectl.RunAsync("--server", _api.Url, "get", "leases", "-n", "kube-system");

        Assert.True(slices.ExitCode == 0, slices.Error);
        Assert.Contains("web-abc", slices.Output);
        Assert.True(leases.ExitCode == 0, leases.Error);
    }

    [Fact]
    public async Task Watch_ResourceVersionOlderThanCompaction_Sends410ExpiredErrorEvent()
    {
        var first = _api.Upsert(ApiKind.Services, Objects.Service("shop", "web", "a.example.com"));
        _api.Upsert(ApiKind.Services, Objects.Service("shop", "web2", "b.example.com"));
        _api.Compact();
        using var http = new HttpClient { BaseAddress = new Uri(_api.Url) };

        var body = await http.GetStringAsync($"/api/v1/services?watch=1&resourceVersion={first["metadata"]!["resourceVersion"]}");

        var ev = JsonNode.Parse(body.Trim())!;
        Assert.Equal("ERROR", ev["type"]!.GetValue<string>());
        Assert.Equal(410, ev["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", ev["object"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Put_StaleResourceVersion_Returns409Conflict()
    {
        var lease = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "l", ["namespace"] = "ns" }, ["spec"] = new JsonObject { ["holderIdentity"] = "a" } };
        using var http = new HttpClient { BaseAddress = new Uri(_api.Url) };
        var created = await http.PostAsync("/apis/coordination.k8s.io/v1/namespaces/ns/leases", new StringContent(lease.ToJsonString()));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stored = JsonNode.Parse(await created.Content.ReadAsStringAsync())!.AsObject();
        var staleVersion = stored["metadata"]!["resourceVersion"]!.GetValue<string>();
        stored["spec"]!["holderIdentity"] = "b";
        var ok = await http.PutAsync("/apis/coordination.k8s.io/v1/namespaces/ns/leases/l", new StringContent(stored.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        stored["metadata"]!["resourceVersion"] = staleVersion;
        stored["spec"]!["holderIdentity"] = "c";
        var stale = await http.PutAsync("/apis/coordination.k8s.io/v1/namespaces/ns/leases/l", new StringContent(stored.ToJsonString()));
        var again = await http.PostAsync("/apis/coordination.k8s.io/v1/namespaces/ns/leases", new StringContent(lease.ToJsonString()));

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("Conflict", JsonNode.Parse(await stale.Content.ReadAsStringAsync())!["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("b", _api.Get(ApiKind.Leases, "ns", "l")!["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [KubectlFact]
    public async Task Kubectl_ReplaceWithStaleResourceVersion_ReportsConflict()
    {
        var dir = Directory.CreateTempSubdirectory("entrance-lease-").FullName;
        var file = Path.Combine(dir, "lease.yaml");
        File.WriteAllText(file, """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata: {name: probe, namespace: entrance}
            spec: {holderIdentity: someone, leaseDurationSeconds: 15}
            """);
        var created = await Kubectl.RunAsync("--server", _api.Url, "create", "--validate=false", "-f", file);
        Assert.True(created.ExitCode == 0, created.Error);
        var got = await Kubectl.RunAsync("--server", _api.Url, "get", "lease", "probe", "-n", "entrance", "-o", "json");
        File.WriteAllText(file, got.Output.Replace("\"someone\"", "\"me\""));

        var other = _api.Get(ApiKind.Leases, "entrance", "probe")!;
        other["spec"]!["holderIdentity"] = "someone-else";
        _api.Upsert(ApiKind.Leases, other);
        var replaced = await Kubectl.RunAsync("--server", _api.Url, "replace", "--validate=false", "-f", file);

        Assert.NotEqual(0, replaced.ExitCode);
        Assert.Contains("the object has been modified", replaced.Error);
        Assert.Equal("someone-else", _api.Get(ApiKind.Leases, "entrance", "probe")!["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [KubectlFact]
    public async Task KubectlWatch_ServiceAddedLater_IsStreamed()
    {
        _api.Upsert(ApiKind.Services, Objects.Service("shop", "web", null));
        var psi = new System.Diagnostics.ProcessStartInfo(Kubectl.Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--server", _api.Url, "get", "services", "-n", "shop", "--watch", "-o", "name" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = "/nonexistent";
        using var kubectl = System.Diagnostics.Process.Start(psi)!;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        kubectl.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        kubectl.BeginOutputReadLine();
        try
        {
            await Entrance.Testing.Eventually.TrueAsync(() => Task.FromResult(lines.Contains("service/web")), TimeSpan.FromSeconds(30), "kubectl lists web");
            await Entrance.Testing.Eventually.TrueAsync(() => Task.FromResult(_api.ActiveWatches > 0), TimeSpan.FromSeconds(30), "kubectl watches");

            _api.Upsert(ApiKind.Services, Objects.Service("shop", "late", null));

            await Entrance.Testing.Eventually.TrueAsync(() => Task.FromResult(lines.Contains("service/late")), TimeSpan.FromSeconds(30), "kubectl streams the new service");
            Assert.Contains(_api.Requests, r => r.Contains("/api/v1/namespaces/shop/services?") && r.Contains("watch=true"));
        }
        finally
        {
            kubectl.Kill();
            await kubectl.WaitForExitAsync();
        }
    }
}
