using System.Net;
using Entrance.Hosting.Admin;
using Entrance.Hosting.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entrance.Hosting.Tests.Admin;

/// <summary>The shared admin listener on a real Kestrel, with a readiness check and a route of the test's own.</summary>
public class AdminServerTests
{
    private sealed class SwitchableReadiness : IReadinessCheck
    {
        public ReadinessState State { get; set; } = new(false, "not ready: warming up");

        public ReadinessState Check() => State;
    }

    private sealed class EchoRoute : IAdminRoute
    {
        public string Prefix => "/echo/";

        public Task HandleAsync(HttpContext context, string rest) => context.Response.WriteAsync("echo " + rest);
    }

    private static async Task<IHost> StartAsync(string adminUrls = "http://127.0.0.1:0")
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("Entrance:AdminUrls", adminUrls)]);
        builder.Services.AddLogging();
        builder.Services
            .AddPrometheusExport(builder.Configuration)
            .AddAdminEndpoints<SwitchableReadiness>()
            .AddAdminRoute<EchoRoute>()
            .AddAdminListener(builder.Configuration.GetSection("Entrance"), "Entrance:AdminUrls");
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static HttpClient Client(IHost host) =>
        new() { BaseAddress = new Uri(host.Services.GetRequiredService<AdminServer>().Addresses.Single()) };

    [Fact]
    public async Task Paths_HealthReadyMetricsAndPluggedRoute_Answered()
    {
        using var host = await StartAsync();
        using var http = Client(host);

        using var health = await http.GetAsync("/healthz");
        using var notReady = await http.GetAsync("/readyz");
        host.Services.GetRequiredService<SwitchableReadiness>().State = new(true, "ready: fine");
        using var ready = await http.GetAsync("/readyz");
        using var metrics = await http.GetAsync("/metrics");
        var echo = await http.GetStringAsync("/echo/a%20b");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok: serving\n", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("not ready: warming up\n", await notReady.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready: fine\n", await ready.Content.ReadAsStringAsync());
        Assert.Equal(PrometheusExport.ContentType, metrics.Content.Headers.ContentType!.ToString());
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", await metrics.Content.ReadAsStringAsync());
        Assert.Equal("echo a b", echo);
        await host.StopAsync();
    }

    [Fact]
    public async Task Paths_UnknownOrPost_404Or405()
    {
        using var host = await StartAsync();
        using var http = Client(host);

        using var unknown = await http.GetAsync("/nothing");
        using var bareRoute = await http.GetAsync("/echo/");
        using var post = await http.PostAsync("/metrics", new StringContent(""));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("/echo/", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, bareRoute.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", post.Content.Headers.Allow.Count > 0 ? string.Join(", ", post.Content.Headers.Allow) : post.Headers.GetValues("Allow").Single());
        await host.StopAsync();
    }

    [Fact]
    public async Task AdminUrls_Off_NoListener()
    {
        using var host = await StartAsync("off");

        Assert.Empty(host.Services.GetRequiredService<AdminServer>().Addresses);
        await host.StopAsync();
    }

    [Fact]
    public async Task AdminUrls_NotAUrl_ConfigurationErrorAtStart()
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartAsync("banana"));

        Assert.Contains("Entrance:AdminUrls must be URLs separated by ';'", e.Message);
    }
}
