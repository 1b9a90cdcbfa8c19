using System.Globalization;

namespace Entrance.Core.Schema;

/// <summary>
/// The per-route forwarding settings (<c>connect_timeout</c>, <c>backend_timeout</c>, <c>max_body</c>,
/// <c>preserve_host</c>) as written in a route's settings hash: one parser for the CLI (which refuses bad values) and the
/// router (which ignores them with a warning).
/// </summary>
public static class ForwardingSettings
{
    public static readonly IReadOnlyList<string> Fields =
        [RedisKeys.ConnectTimeoutField, RedisKeys.BackendTimeoutField, RedisKeys.MaxBodyField, RedisKeys.PreserveHostField];

    /// <summary>Longest duration accepted: a day (anything longer is surely a unit mistake).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>Why <paramref name="value"/> is not valid for <paramref name="field"/>; null when it is (or the field is not one of these).</summary>
    public static string? Check(string field, string value) => field switch
    {
        RedisKeys.ConnectTimeoutField or RedisKeys.BackendTimeoutField => TryParseDuration(value, out _)
            ? null
            : $"{field} must be a duration like 250ms, 5s or 1m (more than 0, at most 1d); got '{value}'",
        RedisKeys.MaxBodyField => TryParseSize(value, out _)
            ? null
            : $"{field} must be a size in bytes, optionally with k, m or g (1024-based), 0 for no limit; got '{value}'",
        RedisKeys.PreserveHostField => value.Trim() is "0" or "1" ? null : $"{field} must be 1 (the backend sees the client's Host) or 0 (its own); got '{value}'",
        _ => null,
    };

    /// <summary>A positive duration (<see cref="SettingDuration"/>): <c>250ms</c>, <c>5s</c>, <c>1m</c>, <c>1h</c>, <c>1d</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration) =>
        SettingDuration.TryParse(text, out duration) && duration >= TimeSpan.FromMilliseconds(1) && duration <= MaxDuration;

    /// <summary>A byte count: <c>1048576</c>, <c>512k</c>, <c>10m</c>, <c>1g</c> (1024-based); 0 means no limit.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim().AsSpan();
        long unit = 1;
        if (s.Length > 0 && char.ToLowerInvariant(s[^1]) is 'k' or 'm' or 'g')
        {
            unit = char.ToLowerInvariant(s[^1]) switch { 'k' => 1L << 10, 'm' => 1L << 20, _ => 1L << 30 };
            s = s[..^1];
        }

        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / unit)
        {
            return false;
        }

        bytes = n * unit;
        return true;
    }
}
