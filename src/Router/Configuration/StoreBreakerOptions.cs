namespace Entrance.Router.Configuration;

/// <summary><c>Entrance:StoreBreaker</c>: when Redis lookups stop being tried and fail fast instead.</summary>
public sealed class StoreBreakerOptions
{
    /// <summary>Failed lookups in a row that open the breaker.</summary>
    public int Threshold { get; set; } = 3;

    /// <summary>How long the open breaker fails lookups fast before one probe goes to Redis.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMilliseconds(500);
}
