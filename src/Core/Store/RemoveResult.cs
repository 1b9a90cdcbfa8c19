namespace Entrance.Core.Store;

public enum RemoveOutcome
{
    /// <summary>The route existed and is gone.</summary>
    Removed,

    /// <summary>Nothing was stored under the route name.</summary>
    NotFound,

    /// <summary>Another writer (or a person: <c>manual</c>) owns the route; nothing was removed.</summary>
    Conflict,
}

/// <summary>What <see cref="RouteWriter.RemoveAsync"/> did; <see cref="Owner"/> is the current owner on a conflict.</summary>
public sealed record RemoveResult(RemoveOutcome Outcome, string? Owner = null)
{
    public static readonly RemoveResult Removed = new(RemoveOutcome.Removed);

    public static readonly RemoveResult NotFound = new(RemoveOutcome.NotFound);

    public static RemoveResult OwnedBy(string owner) => new(RemoveOutcome.Conflict, owner);

    /// <summary>The answer of a remove script (remove-host, remove-cert, remove-tcp): <c>removed</c>, <c>absent</c> or <c>conflict:&lt;owner&gt;</c>.</summary>
    internal static RemoveResult FromScript(string status) => status switch
    {
        "removed" => Removed,
        "absent" => NotFound,
        _ => OwnedBy(status["conflict:".Length..]),
    };
}
