using System.Globalization;

namespace Entrance.Core.Schema;

/// <summary>
/// What the sticky-session and health-check fields of a settings hash may hold (docs/redis-schema.md). The CLI refuses
/// anything else before writing; a router ignores a bad value with a warning. One rule set, so both agree.
/// </summary>
public static class BackendSettingRules
{
    public const string DefaultStickyCookie = "entrance_sticky";
    public static readonly TimeSpan DefaultHealthInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromSeconds(2);
    public const int DefaultHealthFails = 3;
    public const int DefaultHealthPasses = 2;
    public static readonly TimeSpan MinHealthInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The fields these rules own, in the order they are shown.</summary>
    public static readonly string[] Fields =
    [
        RedisKeys.StickyField, RedisKeys.StickyOnField, RedisKeys.HealthPathField, RedisKeys.HealthIntervalField,
        RedisKeys.HealthTimeoutField, RedisKeys.HealthFailsField, RedisKeys.HealthPassesField,
    ];

    /// <summary>Why <paramref name="value"/> cannot be stored in <paramref name="field"/>, or null when it can (or the field is not one of these).</summary>
    public static string? Problem(string field, string value) => field switch
    {
        RedisKeys.StickyField => value is "1" or "0" || IsCookieName(value) ? null
            : $"sticky \"{value}\": use 1 (cookie {DefaultStickyCookie}), 0 (off) or a cookie name (letters, digits, !#$%&'*+-.^_`|~; at most 64)",
        RedisKeys.StickyOnField => IsCookieName(value) ? null : $"sticky_on \"{value}\": must be the application's session cookie name, e.g. JSESSIONID",
        RedisKeys.HealthPathField => value.Length is > 0 and <= 1024 && value[0] == '/' && !value.Any(c => c <= ' ' || c >= 0x7f) ? null
            : $"health_path \"{value}\": must be a path starting with /, without spaces or control characters, e.g. /healthz",
        RedisKeys.HealthIntervalField => SettingDuration.TryParse(value, out var interval) && interval >= MinHealthInterval && interval <= TimeSpan.FromHours(1) ? null
            : $"health_interval \"{value}\": must be a duration from 100ms to 1h, as in 5s, 500ms, 1m",
        RedisKeys.HealthTimeoutField => SettingDuration.TryParse(value, out var timeout) && timeout >= TimeSpan.FromMilliseconds(10) && timeout <= TimeSpan.FromMinutes(1) ? null
            : $"health_timeout \"{value}\": must be a duration from 10ms to 1m, as in 2s, 500ms",
        RedisKeys.HealthFailsField or RedisKeys.HealthPassesField => TryCount(value, out _) ? null
            : $"{field} \"{value}\": must be a whole number from 1 to 100",
        _ => null,
    };

    /// <summary>The sticky cookie's name from the <c>sticky</c> and <c>sticky_on</c> fields; null when stickiness is off.</summary>
    public static string? StickyCookie(string? sticky, string? stickyOn) => sticky switch
    {
        null or "" => stickyOn is { Length: > 0 } ? DefaultStickyCookie : null,
        "0" => null,
        "1" => DefaultStickyCookie,
        _ => sticky,
    };

    public static bool TryCount(string? value, out int count) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= 100;

    /// <summary>An RFC 6265 cookie name (a token), at most 64 characters.</summary>
    public static bool IsCookieName(string value)
    {
        if (value.Length is 0 or > 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }
}
