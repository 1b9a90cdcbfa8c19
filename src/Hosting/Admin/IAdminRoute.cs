namespace Entrance.Hosting.Admin;

/// <summary>A program-specific admin path below a prefix (e.g. the router's <c>/routes/&lt;host&gt;</c>).</summary>
public interface IAdminRoute
{
    /// <summary>The path prefix, with its trailing slash: <c>/routes/</c>.</summary>
    string Prefix { get; }

    /// <summary>Answers a GET or HEAD below <see cref="Prefix"/>; <paramref name="rest"/> is the unescaped remainder (never empty).</summary>
    Task HandleAsync(HttpContext context, string rest);
}
