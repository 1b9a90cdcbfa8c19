namespace Entrance.Router.AccessLog;

/// <summary>Where batches of access-log lines go: whole lines of UTF-8, one write per batch.</summary>
public abstract class AccessLogOutput : IDisposable
{
    public abstract void Write(ReadOnlySpan<byte> lines);

    public virtual void Dispose()
    {
    }

    public static AccessLogOutput Create(AccessLogOptions options) =>
        string.Equals(options.Output, "file", StringComparison.OrdinalIgnoreCase) ? new FileOutput(options.Path) : new ConsoleOutput();

    /// <summary>
    /// Standard output, written straight to its stream: <see cref="Console.Out"/> would cut a batch into 256-byte
    /// writes, a system call for about every line. The batch is written under <see cref="Console.Out"/>'s own lock, so
    /// application log lines written meanwhile land between batches, never inside an access-log line.
    /// </summary>
    private sealed class ConsoleOutput : AccessLogOutput
    {
        private readonly Stream _stdout = Console.OpenStandardOutput();

        public override void Write(ReadOnlySpan<byte> lines)
        {
            var console = Console.Out;
            lock (console)
            {
                console.Flush();
                _stdout.Write(lines);
            }
        }

        public override void Dispose() => _stdout.Dispose();
    }

    /// <summary>A file appended to, created with its directory when missing; other processes may read and rotate it.</summary>
    private sealed class FileOutput : AccessLogOutput
    {
        private readonly FileStream _file;

        public FileOutput(string path)
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            _file = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }

        public override void Write(ReadOnlySpan<byte> lines) => _file.Write(lines);

        public override void Dispose() => _file.Dispose();
    }
}
