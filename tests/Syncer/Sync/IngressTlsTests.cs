using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Entrance.Syncer.Tests.Fakes;
using Entrance.Testing;
using static Entrance.Syncer.Tests.Fakes.Objects;

namespace Entrance.Syncer.Tests.Sync;

/// <summary>Ingress <c>spec.tls[]</c> → certificates in Redis, through the real Syncer, test API server and Redis.</summary>
public sealed class IngressTlsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private TestApiServer _api = null!;
    private SyncerHarness? _syncer;

    private RedisServer Redis => redis.Server;

    public async Task InitializeAsync()
    {
        await Redis.CliAsync("FLUSHALL");
        _api = await TestApiServer.StartAsync();
        _api.Upsert(ApiKind.Services, Service("shop", "web", null));
    }

    public async Task DisposeAsync()
    {
        if (_syncer is not null)
        {
            await _syncer.DisposeAsync();
        }

        await _api.DisposeAsync();
    }

    private static (string Chain, string Key) Pem(params string[] names) => TestCertificates.SelfSigned(names);

    private static JsonObject TlsSecret(string ns, string name, (string Chain, string Key) pair, string type = "kubernetes.io/tls") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["type"] = type,
        ["data"] = new JsonObject
        {
            ["tls.crt"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Chain)),
            ["tls.key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Key)),
        },
    };

    private static JsonObject TlsIngress(string name, string? secretName, params string[] hosts)
    {
        var ingress = Ingress("shop", name, "entrance", hosts.Select(h => new Rule(h, "web", 80)).ToArray());
        if (secretName is not null)
        {
            ingress["spec"]!["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray(hosts.Select(h => (JsonNode)h).ToArray()), ["secretName"] = secretName });
        }

        return ingress;
    }

    private async Task<SyncerHarness> StartAsync(params string[] extra)
    {
        _syncer = await SyncerHarness.StartAsync(_api, Redis, "syncer-a", extra);
        await Eventually.TrueAsync(() => Task.FromResult(_syncer.Runtime.Engine.AllSynced), Within, "informers synced");
        return _syncer;
    }

    private Task ChainIsAsync(string name, string chain, string because) =>
        Eventually.TrueAsync(async () => await Redis.CliAsync("HGET", "entrance:cert:" + name, "chain") == chain.TrimEnd(), Within, because);

    private Task AbsentAsync(string name, string because) =>
        Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:cert:" + name) == "0", Within, because);

    [Fact]
    public async Task Sync_IngressWithTls_CertificateUnderEachHostOwnedBySyncer()
    {
        var pair = Pem("shop.example.com", "www.example.com");
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "shop-tls", pair));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing", "shop-tls", "shop.example.com", "WWW.example.com"));

        await StartAsync();

        await ChainIsAsync("shop.example.com", pair.Chain, "certificate under shop.example.com");
        await ChainIsAsync("www.example.com", pair.Chain, "certificate under www.example.com");
        Assert.Equal(pair.Key.TrimEnd(), await Redis.CliAsync("HGET", "entrance:cert:shop.example.com", "key"));
        Assert.Equal("syncer", await Redis.CliAsync("HGET", "entrance:cert-owners", "www.example.com"));
        Assert.Contains(_api.Requests.ToArray(), r => r.StartsWith("GET /api/v1/secrets?", StringComparison.Ordinal) && r.Contains("fieldSelector=type%3Dkubernetes.io%2Ftls"));
    }

    [Fact]
    public async Task Sync_SecretRotated_NewChainInRedis()
    {
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "shop-tls", Pem("shop.example.com")));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing", "shop-tls", "shop.example.com"));
        await StartAsync();
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:cert:shop.example.com") == "1", Within, "first certificate written");
        var changed = await SubscribeAsync();

        var rotated = Pem("shop.example.com");
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "shop-tls", rotated));

        await ChainIsAsync("shop.example.com", rotated.Chain, "the rotated chain replaces the old one");
        Assert.Equal(rotated.Key.TrimEnd(), await Redis.CliAsync("HGET", "entrance:cert:shop.example.com", "key"));
        await Eventually.TrueAsync(() => Task.FromResult(Has(changed, "cert:shop.example.com")), Within, "rotation published");
    }

    [Fact]
    public async Task Sync_TlsEntryRemovedThenIngressDeleted_CertificatesRemoved()
    {
        var pair = Pem("a.example.com", "b.example.com");
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "tls", pair));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing-a", "tls", "a.example.com"));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing-b", "tls", "b.example.com"));
        await StartAsync();
        await ChainIsAsync("a.example.com", pair.Chain, "a written");
        await ChainIsAsync("b.example.com", pair.Chain, "b written");

        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing-a", null, "a.example.com"));
        await AbsentAsync("a.example.com", "tls entry removed → certificate removed");
        _api.Delete(ApiKind.Ingresses, "shop", "ing-b");
        await AbsentAsync("b.example.com", "Ingress deleted → certificate removed");

        Assert.Equal("0", await Redis.CliAsync("HLEN", "entrance:cert-owners"));
        Assert.Equal("1", await Redis.CliAsync("EXISTS", "entrance:host:a.example.com")); // the route stays
    }

    [Fact]
    public async Task Sync_CertificateOwnedByCli_LeftUntouched()
    {
        await Redis.CliAsync("HSET", "entrance:cert:shop.example.com", "chain", "by-hand", "key", "by-hand");
        await Redis.CliAsync("HSET", "entrance:cert-owners", "shop.example.com", "cli");
        var pair = Pem("shop.example.com", "other.example.com");
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "tls", pair));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing", "tls", "shop.example.com", "other.example.com"));

        var syncer = await StartAsync();
        await ChainIsAsync("other.example.com", pair.Chain, "the unowned name is written");
        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.Conflicts >= 1), Within, "conflict counted");
        _api.Delete(ApiKind.Ingresses, "shop", "ing");
        await AbsentAsync("other.example.com", "own certificate removed");

        Assert.Equal("by-hand", await Redis.CliAsync("HGET", "entrance:cert:shop.example.com", "chain"));
        Assert.Equal("cli", await Redis.CliAsync("HGET", "entrance:cert-owners", "shop.example.com"));
    }

    [Fact]
    public async Task Sync_SecretWithBadPemOrMismatchedKey_PreviousStaysWarningCounted()
    {
        var good = Pem("shop.example.com");
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "tls", good));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing", "tls", "shop.example.com"));
        var syncer = await StartAsync();
        await ChainIsAsync("shop.example.com", good.Chain, "good certificate written");

        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "tls", (Pem("shop.example.com").Chain, good.Key)));
        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.InvalidSecrets >= 1), Within, "mismatched key counted");
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "tls", ("garbage", "garbage")));
        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.InvalidSecrets >= 2), Within, "bad PEM counted");
        syncer.Runtime.Engine.RequestFullResync();
        await Eventually.TrueAsync(() => Task.FromResult(syncer.Runtime.Engine.Stats.FullResyncs >= 2), Within, "a full resync ran");

        Assert.Equal(good.Chain.TrimEnd(), await Redis.CliAsync("HGET", "entrance:cert:shop.example.com", "chain"));
        Assert.Contains(syncer.Logs.Entries, e => e.Message.Contains("is unusable") && e.Message.Contains("shop/tls"));
    }

    [Fact]
    public async Task Sync_OpaqueSecret_NeverCachedNorWritten()
    {
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "opaque", Pem("shop.example.com"), type: "Opaque"));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing", "opaque", "shop.example.com"));

        var syncer = await StartAsync();
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:shop.example.com") == "1", Within, "route written");

        Assert.Equal(0, syncer.Runtime.Engine.Watched.Single(w => w.Kind == "secret").Count);
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:cert:shop.example.com"));
    }

    [Fact]
    public async Task Sync_IngressTlsOff_NoSecretsWatchRoutesStillSynced()
    {
        _api.Upsert(ApiKind.Secrets, TlsSecret("shop", "tls", Pem("shop.example.com")));
        _api.Upsert(ApiKind.Ingresses, TlsIngress("ing", "tls", "shop.example.com"));

        await StartAsync("--Syncer:IngressTls", "false");
        await Eventually.TrueAsync(async () => await Redis.CliAsync("EXISTS", "entrance:host:shop.example.com") == "1", Within, "route written");

        Assert.DoesNotContain(_api.Requests.ToArray(), r => r.Contains("/secrets", StringComparison.Ordinal));
        Assert.Equal("0", await Redis.CliAsync("EXISTS", "entrance:cert:shop.example.com"));
    }

    private async Task<List<string>> SubscribeAsync()
    {
        var messages = new List<string>();
        await Redis.Client.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), (_, m) =>
        {
            lock (messages)
            {
                messages.Add((string)m!);
            }
        });
        return messages;
    }

    private static bool Has(List<string> messages, string message)
    {
        lock (messages)
        {
            return messages.Contains(message);
        }
    }
}
