using Entrance.Core.Store;
using Entrance.Syncer.Configuration;
using Microsoft.Extensions.Options;

namespace Entrance.Syncer.Sync;

/// <summary>
/// The route writer's Redis connection, opened by <see cref="SyncerRuntime.RunAsync"/> rather than at construction.
/// The configuration string is checked at construction, so a bad one still stops the Syncer at start.
/// </summary>
public sealed class RedisLink : IDisposable
{
    private readonly RedisOptions _options;
    private readonly object _gate = new();
    private RouteWriterConnection? _connection;

    public RedisLink(IOptions<RedisOptions> options)
    {
        _options = options.Value;
        if (RedisConnection.Problem(_options.Redis, new RedisClientSettings(_options.RedisCaFile)) is { } problem)
        {
            throw new ArgumentException(problem);
        }
    }

    public bool IsConnected => Volatile.Read(ref _connection)?.IsConnected ?? false;

    public RouteWriter Writer => Connection.Writer;

    public CertificateWriter Certificates => Connection.Certificates;

    public TcpRouteWriter Tcp => Connection.Tcp;

    private RouteWriterConnection Connection => Volatile.Read(ref _connection) ?? throw new InvalidOperationException("Redis is not connected yet");

    /// <summary>Connects once; StackExchange.Redis then reconnects in the background by itself.</summary>
    public void Connect()
    {
        lock (_gate)
        {
            _connection ??= RouteWriterConnection.Connect(_options.Redis, _options.KeyPrefix, _options.RedisTimeout, new RedisClientSettings(_options.RedisCaFile));
        }
    }

    public void Dispose() => _connection?.Dispose();
}
