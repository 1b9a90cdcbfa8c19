using Entrance.Core.Schema;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// A <see cref="RouteWriter"/> with its own Redis connection, for writers that live outside the Store folder (the
/// Syncer) and must not see StackExchange.Redis types. Connects in the background and keeps retrying.
/// </summary>
public sealed class RouteWriterConnection : IDisposable
{
    private readonly ConnectionMultiplexer _redis;

    private RouteWriterConnection(ConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        Writer = new RouteWriter(redis, keys);
    }

    public RouteWriter Writer { get; }

    public bool IsConnected => _redis.IsConnected;

    public static RouteWriterConnection Connect(string configuration, string? keyPrefix, TimeSpan operationTimeout) =>
        new(RedisConnection.Connect(configuration, operationTimeout), new RedisKeys(keyPrefix));

    public void Dispose() => _redis.Dispose();
}
