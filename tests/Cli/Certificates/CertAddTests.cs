using System.Text.Json;
using Entrance.Testing;
using static Entrance.Cli.Tests.CliHarness;

namespace Entrance.Cli.Tests.Certificates;

public sealed class CertAddTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly CliTestCertificates _certs = new();

    private RedisServer Server => redis.Server;

    public async Task InitializeAsync() => await Server.CliAsync("FLUSHALL");

    public Task DisposeAsync()
    {
        _certs.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Add_ValidPair_StoresChainKeyOwnerAndPublishes()
    {
        var pair = CliTestCertificates.Valid("shop.example.com");
        var (cert, key) = _certs.Files(pair);
        var changed = await SubscribeChangedAsync(Server);

        var run = await RunAsync(Server, "cert", "add", "Shop.Example.com.", "--cert", cert, "--key", key);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("+ cert shop.example.com", run.Out);
        Assert.Equal(pair.Chain.TrimEnd(), await Server.CliAsync("HGET", "entrance:cert:shop.example.com", "chain"));
        Assert.Equal(pair.Key.TrimEnd(), await Server.CliAsync("HGET", "entrance:cert:shop.example.com", "key"));
        Assert.Equal("cli", await Server.CliAsync("HGET", "entrance:cert-owners", "shop.example.com"));
        await Eventually.TrueAsync(() => ReceivedAsync(changed, "cert:shop.example.com"), TimeSpan.FromSeconds(5), "cert add publishes");
    }

    [Fact]
    public async Task Add_WildcardCoveringName_StoredUnderWildcard()
    {
        var (cert, key) = _certs.Files(CliTestCertificates.Valid("*.apps.example.com"));

        var run = await RunAsync(Server, "--output", "json", "cert", "add", "*.apps.example.com", "--cert", cert, "--key", key);

        Assert.True(run.Exit == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        Assert.True(json.RootElement.GetProperty("changed").GetBoolean());
        Assert.Equal("1", await Server.CliAsync("EXISTS", "entrance:cert:*.apps.example.com"));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "garbage", "not valid PEM|no PEM certificate" },
        { "mismatch", "does not match" },
        { "expired", "expired" },
        { "future", "not valid before" },
        { "uncovered", "does not cover" },
        { "badname", "invalid certificate name" },
        { "twolabelwildcard", "invalid certificate name" },
        { "missingfile", "cannot read" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Add_BadInput_Exit2AndNothingWritten(string scenario, string message)
    {
        var now = DateTimeOffset.UtcNow;
        var name = "shop.example.com";
        var pair = CliTestCertificates.Valid(name);
        string cert, key;
        switch (scenario)
        {
            case "garbage":
                (cert, key) = _certs.Files(("not a certificate", pair.Key));
                break;
            case "mismatch":
                (cert, key) = _certs.Files((pair.Chain, CliTestCertificates.Valid(name).Key));
                break;
            case "expired":
                (cert, key) = _certs.Files(CliTestCertificates.Pem(now.AddDays(-30), now.AddDays(-1), name));
                break;
            case "future":
                (cert, key) = _certs.Files(CliTestCertificates.Pem(now.AddDays(1), now.AddDays(30), name));
                break;
            case "uncovered":
                (cert, key) = _certs.Files(CliTestCertificates.Valid("other.example.com"));
                break;
            case "badname":
                name = "shop..example.com";
                (cert, key) = _certs.Files(pair);
                break;
            case "twolabelwildcard":
                name = "*.*.example.com";
                (cert, key) = _certs.Files(pair);
                break;
            default:
                (cert, key) = ("/nonexistent/chain.pem", "/nonexistent/key.pem");
                break;
        }

        var run = await RunAsync(Server, "cert", "add", name, "--cert", cert, "--key", key);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Matches(message, run.Err);
        Assert.Equal("", await Server.CliAsync("--scan", "--pattern", "entrance:cert*"));
    }

    [Fact]
    public async Task Add_OverSyncerOwned_Exit2UnlessForce()
    {
        await Server.CliAsync("HSET", "entrance:cert:shop.example.com", "chain", "old", "key", "old");
        await Server.CliAsync("HSET", "entrance:cert-owners", "shop.example.com", "syncer");
        var (cert, key) = _certs.Files(CliTestCertificates.Valid("shop.example.com"));

        var refused = await RunAsync(Server, "cert", "add", "shop.example.com", "--cert", cert, "--key", key);
        Assert.Equal("old", await Server.CliAsync("HGET", "entrance:cert:shop.example.com", "chain"));
        var forced = await RunAsync(Server, "cert", "add", "shop.example.com", "--cert", cert, "--key", key, "--force");

        Assert.True(refused.Exit == 2, refused.ToString());
        Assert.Contains("managed by 'syncer'", refused.Err);
        Assert.True(forced.Exit == 0, forced.ToString());
        Assert.Equal("cli", await Server.CliAsync("HGET", "entrance:cert-owners", "shop.example.com"));
    }
}
