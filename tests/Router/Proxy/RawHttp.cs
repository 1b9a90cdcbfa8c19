using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Entrance.Router.Tests.Proxy;

/// <summary>Raw bytes over a TcpClient, for requests HttpClient will not send (bad chunk sizes, CONNECT, non-ASCII headers).</summary>
internal static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> and reads until the server closes or the answer is complete; returns the response text.</summary>
    public static async Task<string> SendAsync(int port, string request, Encoding? encoding = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync((encoding ?? Encoding.ASCII).GetBytes(request));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
                if (IsComplete(received.ToArray()))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // reset after the answer: what arrived is the answer
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    public static int Status(string response) => int.Parse(response.Split(' ', 3)[1]);

    /// <summary>Headers read and a Content-Length's worth of body (the router's answers always carry one).</summary>
    private static bool IsComplete(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        foreach (var line in text[..end].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return data.Length >= end + 4 + int.Parse(line[15..].Trim());
            }
        }

        return false;
    }
}

/// <summary>Keeps every log line of a router for assertions.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public IEnumerable<string> Warnings(string contains) =>
        Entries.Where(e => e.Level >= LogLevel.Warning && e.Message.Contains(contains, StringComparison.Ordinal)).Select(e => e.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
