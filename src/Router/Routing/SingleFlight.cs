using System.Collections.Concurrent;

namespace Entrance.Router.Routing;

/// <summary>
/// Concurrent calls for one key share one run: the first caller runs it, the others await the same task and get its
/// result or its exception. A finished run never stays in the map, so the next call after it runs again.
/// </summary>
public sealed class SingleFlight<TResult>
{
    private readonly ConcurrentDictionary<string, Task<TResult>> _inflight = new(StringComparer.Ordinal);

    /// <summary>Runs in flight now.</summary>
    public int InFlight => _inflight.Count;

    /// <summary>
    /// Joins the run in flight for <paramref name="key"/>, or starts <paramref name="run"/> for it. State is passed
    /// through rather than captured, so a static lambda costs no closure.
    /// </summary>
    public Task<TResult> RunAsync<TState>(string key, TState state, Func<string, TState, Task<TResult>> run)
    {
        // Register our own task before running, and remove exactly it afterwards.
        var flight = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _inflight.GetOrAdd(key, flight.Task);
        return existing == flight.Task ? LeadAsync(key, state, run, flight) : existing;
    }

    private async Task<TResult> LeadAsync<TState>(string key, TState state, Func<string, TState, Task<TResult>> run, TaskCompletionSource<TResult> flight)
    {
        try
        {
            var result = await run(key, state).ConfigureAwait(false);
            flight.SetResult(result);
            return result;
        }
        catch (Exception ex)
        {
            flight.SetException(ex);
            _ = flight.Task.Exception; // observed here; joiners rethrow it themselves
            throw;
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Task<TResult>>(key, flight.Task));
        }
    }
}
