namespace Entrance.Cli;

/// <summary>The CLI's exit codes, a contract with scripts and CI pipelines (docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>Success; for apply also "nothing to change".</summary>
    public const int Ok = 0;

    /// <summary>Runtime failure: Redis unreachable (the message names the address tried), a write refused mid-way.</summary>
    public const int Failure = 1;

    /// <summary>Invalid input: bad arguments, hosts, URLs, apply files, ownership conflicts. Nothing was written.</summary>
    public const int InvalidInput = 2;

    /// <summary><c>apply --dry-run</c> or <c>migrate-hipache --dry-run</c> found changes to make (a CI gate).</summary>
    public const int ChangesPending = 3;
}
