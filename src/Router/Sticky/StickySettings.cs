using Entrance.Core.Schema;
using Entrance.Core.Store;

namespace Entrance.Router.Sticky;

/// <summary>A route's sticky-session settings, parsed once per cache fill: off, or the cookie that pins clients (and the app cookie that triggers it).</summary>
public sealed record StickySettings(string? Cookie, string? AppCookie, string CookiePath, string? Problem)
{
    public static readonly StickySettings Off = new(null, null, "/", null);

    public bool Enabled => Cookie is not null;

    public static StickySettings From(RouteRecord record)
    {
        var settings = record.Settings;
        var sticky = settings.GetValueOrDefault(RedisKeys.StickyField);
        var on = settings.GetValueOrDefault(RedisKeys.StickyOnField);
        if (sticky is null && on is null)
        {
            return Off;
        }

        var problem = (sticky is null ? null : BackendSettingRules.Problem(RedisKeys.StickyField, sticky))
                      ?? (on is null ? null : BackendSettingRules.Problem(RedisKeys.StickyOnField, on));
        if (problem is not null)
        {
            return Off with { Problem = problem + "; sticky sessions off" };
        }

        // A path route (host/prefix) scopes its cookie to its prefix, so a host's path routes do not overwrite each other's pins.
        var slash = record.RouteName.IndexOf('/');
        var path = slash < 0 ? "/" : record.RouteName[slash..];
        return BackendSettingRules.StickyCookie(sticky, on) is { } cookie ? new StickySettings(cookie, on, path, null) : Off;
    }
}
