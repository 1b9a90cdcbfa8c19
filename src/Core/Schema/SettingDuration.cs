using System.Globalization;

namespace Entrance.Core.Schema;

/// <summary>
/// Every duration Entrance stores or takes (route and TCP settings, health checks, registration TTLs): one number
/// (decimals allowed) and a unit, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>, case-insensitive, from 0 to one
/// day. Callers add their own bounds (most refuse 0).
/// </summary>
public static class SettingDuration
{
    public static readonly TimeSpan Max = TimeSpan.FromDays(1);

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        var s = text.AsSpan().Trim();
        if (s.Length < 2)
        {
            return false;
        }

        var unitLength = s.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
        var unitMs = unitLength == 2 ? 1d : char.ToLowerInvariant(s[^1]) switch
        {
            's' => 1_000d,
            'm' => 60_000d,
            'h' => 3_600_000d,
            'd' => 86_400_000d,
            _ => 0d,
        };
        var digits = unitMs == 0 ? ReadOnlySpan<char>.Empty : s[..^unitLength];
        if (digits.IsEmpty || !double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || double.IsNaN(number) || number * unitMs > Max.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(Math.Round(number * unitMs));
        return true;
    }

    /// <summary>The shortest text that parses back to <paramref name="value"/> (<c>1500ms</c>, <c>5s</c>, <c>2m</c>).</summary>
    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 60_000 == 0 && value >= TimeSpan.FromMinutes(1) ? $"{(long)value.TotalMinutes}m"
        : value.TotalMilliseconds % 1000 == 0 ? $"{(long)value.TotalSeconds}s"
        : $"{(long)value.TotalMilliseconds}ms";
}
