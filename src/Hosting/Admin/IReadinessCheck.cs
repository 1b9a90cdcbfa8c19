namespace Entrance.Hosting.Admin;

/// <summary>Whether the program should get traffic (or be counted as working) now, and why.</summary>
public readonly record struct ReadinessState(bool Ready, string Reason);

/// <summary>What <c>/readyz</c> asks; each program registers its own.</summary>
public interface IReadinessCheck
{
    ReadinessState Check();
}
