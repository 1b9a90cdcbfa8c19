using Microsoft.Extensions.Options;

namespace Entrance.Syncer.Configuration;

/// <summary>Settings the Syncer cannot work with, found at start (one line, exit 2) rather than in its loops.</summary>
public sealed class SyncerOptionsValidation : IValidateOptions<SyncerOptions>
{
    public ValidateOptionsResult Validate(string? name, SyncerOptions o)
    {
        var failures = new List<string>();
        Positive(failures, "Syncer:ResyncInterval", o.ResyncInterval);
        Positive(failures, "Syncer:WatchTimeout", o.WatchTimeout);
        Positive(failures, "Syncer:InitialBackoff", o.InitialBackoff);
        if (o.MaxBackoff < o.InitialBackoff)
        {
            failures.Add("Syncer:MaxBackoff must not be shorter than InitialBackoff");
        }

        if (string.IsNullOrWhiteSpace(o.IngressClass))
        {
            failures.Add("Syncer:IngressClass must be set");
        }

        if (string.IsNullOrWhiteSpace(o.Owner))
        {
            failures.Add("Syncer:Owner must be set");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Positive(List<string> failures, string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add(setting + " must be positive");
        }
    }
}

/// <summary>client-go's rule for lease timings: retry period &lt; renew deadline &lt; lease duration.</summary>
public sealed class LeaderElectionOptionsValidation : IValidateOptions<LeaderElectionOptions>
{
    public ValidateOptionsResult Validate(string? name, LeaderElectionOptions o)
    {
        if (!o.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        SyncerOptionsValidation.Positive(failures, "Syncer:LeaderElection:RetryPeriod", o.RetryPeriod);
        if (o.RenewDeadline >= o.LeaseDuration)
        {
            failures.Add("Syncer:LeaderElection:RenewDeadline must be shorter than LeaseDuration");
        }

        if (o.RetryPeriod >= o.RenewDeadline)
        {
            failures.Add("Syncer:LeaderElection:RetryPeriod must be shorter than RenewDeadline");
        }

        if (string.IsNullOrWhiteSpace(o.LeaseName))
        {
            failures.Add("Syncer:LeaderElection:LeaseName must be set");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
