namespace Entrance.Router.AccessLog;

/// <summary>The <c>Entrance:AccessLog</c> configuration section.</summary>
public sealed class AccessLogOptions
{
    public const string Section = "Entrance:AccessLog";

    /// <summary><c>console</c> (default), <c>file</c> or <c>off</c>.</summary>
    public string Output { get; set; } = "console";

    /// <summary><c>text</c> (nginx-combined-like, default) or <c>json</c> (one object per line).</summary>
    public string Format { get; set; } = "text";

    /// <summary>The file for <c>Output=file</c>; appended to.</summary>
    public string Path { get; set; } = "logs/access.log";

    /// <summary>Lines waiting to be written; beyond it lines are dropped (and counted) rather than slowing requests.</summary>
    public int QueueSize { get; set; } = 16_384;

    /// <summary>How often queued lines are written: the longest a line waits, and the pace of the writes.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public bool Enabled => !string.Equals(Output, "off", StringComparison.OrdinalIgnoreCase);

    public bool Json => string.Equals(Format, "json", StringComparison.OrdinalIgnoreCase);
}
