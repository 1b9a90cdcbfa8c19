using Entrance.Hosting.Admin;
using Entrance.Syncer.Sync;

namespace Entrance.Syncer.Admin;

/// <summary><c>/readyz</c>: every informer has listed and Redis is connected, for leader and standby alike.</summary>
public sealed class SyncerReadiness(SyncerRuntime runtime) : IReadinessCheck
{
    public ReadinessState Check()
    {
        var problems = new List<string>();
        if (!runtime.Engine.AllSynced)
        {
            problems.Add("informers not synced");
        }

        if (!runtime.Redis.IsConnected)
        {
            problems.Add("redis not connected");
        }

        return problems.Count == 0
            ? new ReadinessState(true, $"ok ({(runtime.Leadership.CanWrite ? "leader" : "standby")})")
            : new ReadinessState(false, string.Join("; ", problems));
    }
}
