namespace Entrance.Router.Sticky;

/// <summary>The <c>Entrance:Sticky</c> section.</summary>
public sealed class StickyOptions
{
    public const string Section = "Entrance:Sticky";

    /// <summary>
    /// The key of the cookie values (HMAC-SHA256 of the backend URL). Give every router the same one, so each honours
    /// the others' cookies; without one a built-in key is used, and a client could test guessed backend addresses against its cookie.
    /// </summary>
    public string Secret { get; set; } = string.Empty;
}
