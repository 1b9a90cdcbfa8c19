namespace Entrance.Syncer.Leadership;

/// <summary>Whether this instance may write now. The sync loop asks before every write batch.</summary>
public interface ILeadership
{
    bool CanWrite { get; }

    /// <summary>Raised when this instance starts or stops leading, or may write again after a late renewal.</summary>
    event Action<bool>? LeadershipChanged;
}

/// <summary>For a single replica with leader election off: always the writer.</summary>
public sealed class AlwaysLeader : ILeadership
{
    public bool CanWrite => true;
    public event Action<bool>? LeadershipChanged { add { } remove { } }
}
