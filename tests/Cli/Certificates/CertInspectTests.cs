using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Certificates;

public sealed class CertInspectTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly CliTestCertificates _certs = new();

    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync()
    {
        _certs.Dispose();
        return Task.CompletedTask;
    }

    private async Task AddAsync(string name, params string[] sans)
    {
        var (cert, key) = _certs.Files(CliTestCertificates.Valid(sans.Length == 0 ? [name] : sans));
        var run = await RunAsync(Server, "cert", "add", name, "--cert", cert, "--key", key);
        Assert.True(run.Exit == 0, run.ToString());
    }

    [Fact]
    public async Task List_Json_NamesSansNotAfterDaysLeftOwner()
    {
        await AddAsync("shop.example.com", "shop.example.com", "www.shop.example.com");
        await AddAsync("*.example.com");
        await Server.CliAsync("HSET", "entrance:cert:broken.example.com", "chain", "garbage", "key", "garbage");

        var run = await RunAsync(Server, "--output", "json", "cert", "list");

        Assert.True(run.Exit == 0, run.ToString());
        var items = JsonDocument.Parse(run.Out).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(["*.example.com", "broken.example.com", "shop.example.com"], items.Keys.Order(StringComparer.Ordinal));
        var shop = items["shop.example.com"];
        Assert.Equal(["shop.example.com", "www.shop.example.com"], shop.GetProperty("dnsNames").EnumerateArray().Select(e => e.GetString()));
        Assert.InRange(shop.GetProperty("daysLeft").GetInt32(), 58, 60);
        Assert.Equal("cli", shop.GetProperty("owner").GetString());
        Assert.True(shop.GetProperty("notAfter").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(58));
        Assert.StartsWith("unusable", items["broken.example.com"].GetProperty("problem").GetString());
        Assert.Equal("manual", items["broken.example.com"].GetProperty("owner").GetString());
    }

    [Fact]
    public async Task List_Plain_OneTabSeparatedRowPerCertificate()
    {
        await AddAsync("shop.example.com");

        var run = await RunAsync(Server, "--output", "plain", "cert", "list");

        Assert.True(run.Exit == 0, run.ToString());
        var columns = run.Out.Trim().Split('\t');
        Assert.Equal("shop.example.com", columns[0]);
        Assert.Equal("shop.example.com", columns[1]);
        Assert.Equal("cli", columns[4]);
    }

    [Fact]
    public async Task Show_Stored_SubjectIssuerValidityThumbprintOwner()
    {
        await AddAsync("shop.example.com");

        var run = await RunAsync(Server, "--output", "plain", "cert", "show", "SHOP.example.com");
        var json = await RunAsync(Server, "--output", "json", "cert", "show", "shop.example.com");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("subject\tCN=shop.example.com", run.Out);
        Assert.Contains("issuer\tCN=shop.example.com", run.Out);
        Assert.Contains("owner\tcli", run.Out);
        Assert.Contains("not before\t", run.Out);
        var thumbprint = JsonDocument.Parse(json.Out).RootElement.GetProperty("thumbprint").GetString();
        Assert.Contains("thumbprint\t" + thumbprint, run.Out);
        Assert.Equal(40, thumbprint!.Length);
    }

    [Fact]
    public async Task Show_Absent_SaysSoExit0()
    {
        var run = await RunAsync(Server, "--output", "plain", "cert", "show", "none.example.com");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("no certificate stored", run.Out);
    }

    [Fact]
    public async Task Remove_Stored_RemovesKeyAndOwnerAndPublishes()
    {
        await AddAsync("shop.example.com");
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "cert", "remove", "shop.example.com");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("- cert shop.example.com: removed", run.Out);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:cert:shop.example.com"));
        Assert.Equal("0", await Server.CliAsync("HEXISTS", "entrance:cert-owners", "shop.example.com"));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "cert:shop.example.com"), TimeSpan.FromSeconds(5), "cert remove publishes");
    }

    [Fact]
    public async Task Remove_Absent_Exit0LikeRouteRemove()
    {
        var cert = await RunAsync(Server, "cert", "remove", "none.example.com");
        var route = await RunAsync(Server, "route", "remove", "none.example.com");

        Assert.Equal(route.Exit, cert.Exit);
        Assert.Equal(0, cert.Exit);
        Assert.Contains("no such certificate", cert.Out);
    }

    [Fact]
    public async Task RouteShow_ExactWildcardDefault_NamesTheCertificate()
    {
        await AddAsync("shop.example.com");
        await AddAsync("*.example.com");
        await RunAsync(Server, "route", "add", "api.example.com", "http://10.0.0.5:8080");

        var exact = await RunAsync(Server, "--output", "json", "route", "show", "shop.example.com");
        var wildcard = await RunAsync(Server, "--output", "plain", "route", "show", "api.example.com");
        var deeper = await RunAsync(Server, "--output", "json", "route", "show", "a.b.example.com");

        var exactCert = JsonDocument.Parse(exact.Out).RootElement.GetProperty("certificate");
        Assert.Equal("exact", exactCert.GetProperty("source").GetString());
        Assert.Equal("shop.example.com", exactCert.GetProperty("name").GetString());
        Assert.Contains("certificate\t*.example.com (wildcard;", wildcard.Out);
        var deeperCert = JsonDocument.Parse(deeper.Out).RootElement.GetProperty("certificate");
        Assert.Equal("default", deeperCert.GetProperty("source").GetString());
    }

    [Fact]
    public async Task RouteShow_UnusableStoredCertificate_SaysDefaultServed()
    {
        await Server.CliAsync("HSET", "entrance:cert:shop.example.com", "chain", "garbage", "key", "garbage");
        await RunAsync(Server, "route", "add", "shop.example.com", "http://10.0.0.5:8080");

        var run = await RunAsync(Server, "--output", "plain", "route", "show", "shop.example.com");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("routers serve their default certificate instead", run.Out);
    }
}
