using System.Globalization;

namespace Entrance.Core.Schema;

/// <summary>Durations in route settings, written like <c>5s</c>, <c>250ms</c>, <c>1m</c> (also <c>h</c>): one number, one unit.</summary>
public static class SettingDuration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var (digits, unitMs) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1d)
            : text.EndsWith('s') ? (text[..^1], 1_000d)
            : text.EndsWith('m') ? (text[..^1], 60_000d)
            : text.EndsWith('h') ? (text[..^1], 3_600_000d)
            : (string.Empty, 0d);
        if (digits.Length == 0 || !double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || double.IsNaN(number) || number * unitMs > TimeSpan.FromDays(1).TotalMilliseconds)
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
