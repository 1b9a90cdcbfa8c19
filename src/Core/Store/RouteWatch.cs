using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>An event seen by <c>entrance watch</c>: an invalidation, a hipache dead event or a keyspace notification.</summary>
public sealed record WatchEvent(DateTimeOffset At, string Kind, string Name, string Detail);

/// <summary>The invalidation traffic routers react to, for a person to watch (<c>entrance watch</c>).</summary>
public sealed class RouteWatch(RedisConnection redis)
{
    /// <summary>
    /// Subscribes to <c>entrance:changed</c> and hipache's <c>dead</c> channel, and with <paramref name="keyspace"/> to the
    /// keyspace events of the route keys (writes made without a PUBLISH). The handler runs on the subscriber's thread.
    /// </summary>
    public async Task SubscribeAsync(Action<WatchEvent> handler, bool keyspace)
    {
        var keys = redis.Keys;
        var subscriber = redis.Multiplexer.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal(keys.ChangedChannel), (_, message) =>
            handler(new WatchEvent(DateTimeOffset.UtcNow, "changed", ((string?)message ?? string.Empty).Trim(), string.Empty))).ConfigureAwait(false);
        await subscriber.SubscribeAsync(RedisChannel.Literal(keys.DeadChannel), (_, message) =>
        {
            // hipache: host;url;index;count
            var text = (string?)message ?? string.Empty;
            var parts = text.Split(';');
            handler(new WatchEvent(DateTimeOffset.UtcNow, "dead", parts[0], parts.Length > 1 ? string.Join(';', parts[1..]) : string.Empty));
        }).ConfigureAwait(false);
        if (!keyspace)
        {
            return;
        }

        var keyspacePrefix = $"__keyspace@{redis.Database}__:";
        foreach (var pattern in keys.RoutePatterns)
        {
            await subscriber.SubscribeAsync(redis.KeyspaceChannel(pattern.TrimEnd('*')), (channel, message) =>
            {
                var key = ((string)channel!)[keyspacePrefix.Length..];
                var name = keys.RouteNameOf(key);
                if (name is not null)
                {
                    handler(new WatchEvent(DateTimeOffset.UtcNow, "keyspace", name, $"{(string?)message} {key}"));
                }
            }).ConfigureAwait(false);
        }
    }
}
