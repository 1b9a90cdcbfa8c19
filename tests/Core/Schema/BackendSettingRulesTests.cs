using Entrance.Core.Schema;

namespace Entrance.Core.Tests.Schema;

public class BackendSettingRulesTests
{
    [Theory]
    [InlineData("5s", 5_000)]
    [InlineData("250ms", 250)]
    [InlineData("1m", 60_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2h", 7_200_000)]
    public void TryParse_Durations_Milliseconds(string text, long ms)
    {
        Assert.True(SettingDuration.TryParse(text, out var value));
        Assert.Equal(ms, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-1s")]
    [InlineData("s")]
    [InlineData("5 s")]
    [InlineData("2d")]
    [InlineData("25h")]
    public void TryParse_NotADuration_False(string text) => Assert.False(SettingDuration.TryParse(text, out _));

    [Theory]
    [InlineData("sticky", "1", true)]
    [InlineData("sticky", "0", true)]
    [InlineData("sticky", "SESSION_PIN", true)]
    [InlineData("sticky", "a;b", false)]
    [InlineData("sticky", "", false)]
    [InlineData("sticky_on", "JSESSIONID", true)]
    [InlineData("sticky_on", "a b", false)]
    [InlineData("health_path", "/healthz?full=1", true)]
    [InlineData("health_path", "healthz", false)]
    [InlineData("health_path", "/a b", false)]
    [InlineData("health_interval", "5s", true)]
    [InlineData("health_interval", "50ms", false)]
    [InlineData("health_interval", "5", false)]
    [InlineData("health_timeout", "2s", true)]
    [InlineData("health_timeout", "2m", false)]
    [InlineData("health_fails", "3", true)]
    [InlineData("health_fails", "0", false)]
    [InlineData("health_passes", "-1", false)]
    [InlineData("health_passes", "101", false)]
    public void Problem_Values_AcceptedOrExplained(string field, string value, bool ok) =>
        Assert.Equal(ok, BackendSettingRules.Problem(field, value) is null);

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("1", null, "entrance_sticky")]
    [InlineData("0", "JSESSIONID", null)]
    [InlineData(null, "JSESSIONID", "entrance_sticky")]
    [InlineData("pin", null, "pin")]
    public void StickyCookie_Fields_CookieName(string? sticky, string? on, string? cookie) =>
        Assert.Equal(cookie, BackendSettingRules.StickyCookie(sticky, on));
}
