using Entrance.Core.Schema;

namespace Entrance.Core.Tests.Schema;

public class SettingDurationTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5_000)]
    [InlineData(" 1.5S ", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0s", 0)]
    public void TryParse_NumberAndUnit_Milliseconds(string text, long ms)
    {
        Assert.True(SettingDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("5x")]
    [InlineData("2d")]
    [InlineData("1e3s")]
    [InlineData("5 s")]
    public void TryParse_NotADurationOrOverADay_False(string? text) => Assert.False(SettingDuration.TryParse(text, out _));

    [Theory]
    [InlineData("1500ms")]
    [InlineData("5s")]
    [InlineData("2m")]
    public void Format_Value_ParsesBack(string text)
    {
        Assert.True(SettingDuration.TryParse(text, out var value));
        Assert.Equal(text, SettingDuration.Format(value));
    }
}
