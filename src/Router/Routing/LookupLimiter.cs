namespace Entrance.Router.Routing;

/// <summary>
/// At most <c>maxConcurrent</c> lookups at once; the rest queue for at most <c>queueTimeout</c> (on the injected
/// clock) and are then turned away, so a flood of unknown hosts cannot pile up on Redis.
/// </summary>
public sealed class LookupLimiter : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _queueTimeout;
    private readonly TimeProvider _time;

    public LookupLimiter(int maxConcurrent, TimeSpan queueTimeout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
        _queueTimeout = queueTimeout;
        _time = time;
    }

    /// <summary>Slots free now.</summary>
    public int Available => _slots.CurrentCount;

    /// <summary>True with a slot taken (give it back with <see cref="Exit"/>); false when none freed up within the queue timeout.</summary>
    public ValueTask<bool> TryEnterAsync() =>
        _slots.Wait(0) ? new ValueTask<bool>(true) : new ValueTask<bool>(QueueAsync());

    public void Exit() => _slots.Release();

    private async Task<bool> QueueAsync()
    {
        using var timeout = new CancellationTokenSource(_queueTimeout, _time);
        try
        {
            await _slots.WaitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _slots.Dispose();
}
