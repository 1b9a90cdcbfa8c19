namespace Entrance.Router.Transport;

/// <summary>The <c>Entrance:Transport</c> configuration section: how the router's sockets run its code.</summary>
public sealed class TransportOptions
{
    public const string Section = "Entrance:Transport";

    /// <summary>
    /// Run socket completions and Kestrel's request processing on the socket event threads instead of handing each
    /// to the thread pool (Linux only). A proxy does little work per event and never blocks, so the hand-off is most of
    /// the cost: about 12 % more requests a second on 2 cores. Turn off if custom code ever blocks on the request path.
    /// </summary>
    public bool InlineCompletions { get; set; } = true;

    /// <summary>
    /// Socket event threads (Linux), as nginx's <c>worker_processes</c>; 0 leaves the runtime's choice (one per core with
    /// inline completions). Fewer than cores helps where the router shares its cores with other busy processes.
    /// </summary>
    public int IoThreads { get; set; }
}
