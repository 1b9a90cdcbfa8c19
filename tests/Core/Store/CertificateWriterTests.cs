using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entrance.Core.Store;
using Entrance.Testing;

namespace Entrance.Core.Tests.Store;

public sealed class CertificateWriterTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private CertificateWriter _writer = null!;

    private RedisServer Server => redis.Server;

    public async Task InitializeAsync()
    {
        await Server.CliAsync("FLUSHALL");
        _connection = RedisConnection.Connect(Server.Configuration, null, TimeSpan.FromSeconds(5));
        _writer = new CertificateWriter(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    private static (string Chain, string Key) Pem(string name) => TestCertificates.SelfSigned(name);

    [Fact]
    public async Task PutAsync_NewName_WritesChainKeyOwnerAndPublishes()
    {
        var messages = await SubscribeAsync();
        var (chain, key) = Pem("a.example.com");

        var result = await _writer.PutAsync("a.example.com", chain, key, "cli", CertificateWriteMode.Claim);

        Assert.Equal(CertificateWriteOutcome.Written, result.Outcome);
        Assert.Equal(chain.TrimEnd(), await Server.CliAsync("HGET", "entrance:cert:a.example.com", "chain"));
        Assert.Equal(key.TrimEnd(), await Server.CliAsync("HGET", "entrance:cert:a.example.com", "key"));
        Assert.Equal("cli", await Server.CliAsync("HGET", "entrance:cert-owners", "a.example.com"));
        await Eventually.TrueAsync(() => Task.FromResult(Has(messages, "cert:a.example.com")), TimeSpan.FromSeconds(5), "PUBLISH cert:a.example.com");
    }

    [Fact]
    public async Task PutAsync_SamePairTwice_SecondUnchangedNoPublish()
    {
        var (chain, key) = Pem("a.example.com");
        await _writer.PutAsync("a.example.com", chain, key, "syncer", CertificateWriteMode.OwnedOnly);
        var messages = await SubscribeAsync();

        var result = await _writer.PutAsync("a.example.com", chain, key, "syncer", CertificateWriteMode.OwnedOnly);
        await _writer.PutAsync("marker.example.com", chain, key, "syncer", CertificateWriteMode.OwnedOnly);

        Assert.Equal(CertificateWriteOutcome.Unchanged, result.Outcome);
        await Eventually.TrueAsync(() => Task.FromResult(Has(messages, "cert:marker.example.com")), TimeSpan.FromSeconds(5), "marker published");
        Assert.False(Has(messages, "cert:a.example.com"));
    }

    [Fact]
    public async Task PutAsync_OwnedOnlyOverCliOrHandWritten_RefusedAndUntouched()
    {
        var (chain, key) = Pem("a.example.com");
        var (other, otherKey) = Pem("a.example.com");
        await _writer.PutAsync("a.example.com", chain, key, "cli", CertificateWriteMode.Claim);
        await Server.CliAsync("HSET", "entrance:cert:hand.example.com", "chain", "x", "key", "y");

        var foreign = await _writer.PutAsync("a.example.com", other, otherKey, "syncer", CertificateWriteMode.OwnedOnly);
        var hand = await _writer.PutAsync("hand.example.com", other, otherKey, "syncer", CertificateWriteMode.OwnedOnly);

        Assert.Equal(new CertificateWriteResult("a.example.com", CertificateWriteOutcome.Conflict, "cli"), foreign);
        Assert.Equal(new CertificateWriteResult("hand.example.com", CertificateWriteOutcome.Conflict, "manual"), hand);
        Assert.Equal(chain.TrimEnd(), await Server.CliAsync("HGET", "entrance:cert:a.example.com", "chain"));
        Assert.Equal("x", await Server.CliAsync("HGET", "entrance:cert:hand.example.com", "chain"));
        Assert.Equal("", await Server.CliAsync("HGET", "entrance:cert-owners", "hand.example.com"));
    }

    [Fact]
    public async Task PutAsync_ClaimOverHandWritten_TakesItOver()
    {
        await Server.CliAsync("HSET", "entrance:cert:a.example.com", "chain", "x", "key", "y");
        var (chain, key) = Pem("a.example.com");

        var result = await _writer.PutAsync("a.example.com", chain, key, "cli", CertificateWriteMode.Claim);

        Assert.Equal(CertificateWriteOutcome.Written, result.Outcome);
        Assert.Equal("cli", await Server.CliAsync("HGET", "entrance:cert-owners", "a.example.com"));
    }

    [Fact]
    public async Task RemoveAsync_RequiredOwnerOtherThanCurrent_ConflictNothingRemoved()
    {
        var (chain, key) = Pem("a.example.com");
        await _writer.PutAsync("a.example.com", chain, key, "cli", CertificateWriteMode.Claim);

        var refused = await _writer.RemoveAsync("a.example.com", "syncer");
        var absent = await _writer.RemoveAsync("nothing.example.com", "syncer");

        Assert.Equal(RemoveResult.OwnedBy("cli"), refused);
        Assert.Equal(RemoveResult.NotFound, absent);
        Assert.Equal("1", await Server.CliAsync("EXISTS", "entrance:cert:a.example.com"));
    }

    [Fact]
    public async Task RemoveAsync_Owned_RemovesKeyAndOwnerAndPublishes()
    {
        var (chain, key) = Pem("a.example.com");
        await _writer.PutAsync("a.example.com", chain, key, "syncer", CertificateWriteMode.OwnedOnly);
        var messages = await SubscribeAsync();

        var result = await _writer.RemoveAsync("a.example.com", "syncer");

        Assert.Equal(RemoveResult.Removed, result);
        Assert.Equal("0", await Server.CliAsync("EXISTS", "entrance:cert:a.example.com"));
        Assert.Equal("0", await Server.CliAsync("HEXISTS", "entrance:cert-owners", "a.example.com"));
        await Eventually.TrueAsync(() => Task.FromResult(Has(messages, "cert:a.example.com")), TimeSpan.FromSeconds(5), "removal published");
    }

    [Fact]
    public async Task ListNamesAsync_ManyCertificates_AllFoundWithScanOthersIgnored()
    {
        for (var i = 0; i < 1500; i++)
        {
            await _connection.Db.HashSetAsync($"entrance:cert:h{i:D4}.example.com", "chain", "x", flags: StackExchange.Redis.CommandFlags.FireAndForget);
        }

        await Server.CliAsync("SADD", "entrance:backends:a.example.com", "http://1:80");

        var names = await _writer.ListNamesAsync();

        Assert.Equal(1500, names.Count);
        Assert.Equal("h0000.example.com", names[0]);
        var info = await Server.CliAsync("INFO", "commandstats");
        Assert.DoesNotContain("cmdstat_keys:", info);
    }

    [Fact]
    public async Task FindForHostAsync_ExactThenOneLabelWildcard_ElseNull()
    {
        var (chain, key) = Pem("*.example.com");
        await _writer.PutAsync("*.example.com", chain, key, "cli", CertificateWriteMode.Claim);
        await _writer.PutAsync("shop.example.com", chain, key, "cli", CertificateWriteMode.Claim);

        Assert.Equal("shop.example.com", (await _writer.FindForHostAsync("shop.example.com"))?.Name);
        Assert.Equal("*.example.com", (await _writer.FindForHostAsync("api.example.com"))?.Name);
        Assert.Null(await _writer.FindForHostAsync("a.b.example.com"));
        Assert.Equal("cli", (await _writer.GetAsync("*.example.com"))?.Owner);
    }

    [Fact]
    public async Task PutAsync_KeyPrefix_PrefixesKeysOwnersAndChannel()
    {
        await using var prefixed = RedisConnection.Connect(Server.Configuration, "p:", TimeSpan.FromSeconds(5));
        var writer = new CertificateWriter(prefixed);
        var (chain, key) = Pem("a.example.com");

        await writer.PutAsync("a.example.com", chain, key, "cli", CertificateWriteMode.Claim);

        Assert.Equal("1", await Server.CliAsync("EXISTS", "p:entrance:cert:a.example.com"));
        Assert.Equal("cli", await Server.CliAsync("HGET", "p:entrance:cert-owners", "a.example.com"));
        Assert.Equal(["a.example.com"], await writer.ListNamesAsync());
        Assert.Empty(await _writer.ListNamesAsync());
    }

    private async Task<List<string>> SubscribeAsync()
    {
        var messages = new List<string>();
        await Server.Client.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("entrance:changed"), (_, m) =>
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
