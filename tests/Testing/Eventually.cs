using System.Diagnostics;

namespace Entrance.Testing;

/// <summary>Polls a condition until it holds or a deadline passes; returns how long it took.</summary>
public static class Eventually
{
    public static async Task<TimeSpan> TrueAsync(Func<Task<bool>> condition, TimeSpan within, string because)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return watch.Elapsed;
            }

            if (watch.Elapsed > within)
            {
                throw new Xunit.Sdk.XunitException($"Not true within {within.TotalMilliseconds} ms: {because}");
            }

            await Task.Delay(5);
        }
    }
}
