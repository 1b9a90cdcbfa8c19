namespace Entrance.Core.Store;

/// <summary>
/// A <see cref="RouteWriter"/> with its own <see cref="RedisConnection"/>, for the Syncer. Connects in the background
/// and keeps retrying.
/// </summary>
public sealed class RouteWriterConnection : IDisposable
{
    private readonly RedisConnection _redis;

    private RouteWriterConnection(RedisConnection redis)
    {
        _redis = redis;
        Writer = new RouteWriter(redis);
        Certificates = new CertificateWriter(redis);
        Tcp = new TcpRouteWriter(redis);
    }

    public RouteWriter Writer { get; }

    /// <summary>The certificate writer on the same connection (Ingress TLS).</summary>
    public CertificateWriter Certificates { get; }

    /// <summary>The TCP route writer on the same connection (Services annotated with a TCP port).</summary>
    public TcpRouteWriter Tcp { get; }

    public bool IsConnected => _redis.IsConnected;

    public static RouteWriterConnection Connect(string configuration, string? keyPrefix, TimeSpan operationTimeout, RedisClientSettings? settings = null) =>
        new(RedisConnection.Connect(configuration, keyPrefix, operationTimeout, settings));

    public void Dispose() => _redis.Dispose();
}
