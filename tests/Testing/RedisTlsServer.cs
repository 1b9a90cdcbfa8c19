namespace Entrance.Testing;

/// <summary>
/// A stock redis-server that also listens with TLS (a certificate for <c>localhost</c> from a throwaway CA, no client
/// certificates). The plain port stays open for arranging data with redis-cli; programs under test use <see cref="Configuration"/>.
/// </summary>
public sealed class RedisTlsServer : IAsyncDisposable
{
    private readonly string _dir;

    private RedisTlsServer(RedisServer server, int tlsPort, string dir, string caFile)
    {
        Server = server;
        TlsPort = tlsPort;
        _dir = dir;
        CaFile = caFile;
    }

    public RedisServer Server { get; }

    public int TlsPort { get; }

    /// <summary>The CA that signed the server's certificate, as a PEM file.</summary>
    public string CaFile { get; }

    /// <summary>A StackExchange.Redis configuration for the TLS port (the name checked is localhost, the certificate's).</summary>
    public string Configuration => $"127.0.0.1:{TlsPort},ssl=true,sslHost=localhost";

    public static async Task<RedisTlsServer> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("entrance-redis-tls-").FullName;
        using var ca = new TestCertificates("Entrance Redis Test CA");
        var leaf = ca.Leaf(["localhost"]);
        var caFile = ca.WriteCaFile(dir);
        var certFile = Path.Combine(dir, "redis.pem");
        var keyFile = Path.Combine(dir, "redis.key");
        await File.WriteAllTextAsync(certFile, leaf.LeafPem);
        await File.WriteAllTextAsync(keyFile, leaf.KeyPem);
        var tlsPort = FreePort.Next();
        var server = await RedisServer.StartStockAsync(
            "--tls-port", tlsPort.ToString(), "--tls-cert-file", certFile, "--tls-key-file", keyFile,
            "--tls-ca-cert-file", caFile, "--tls-auth-clients", "no");
        return new RedisTlsServer(server, tlsPort, dir, caFile);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
