using Spectre.Console;

namespace Entrance.Cli.Output;

/// <summary>Rows printed as a Spectre.Console table on a terminal, or tab-separated lines for pipes.</summary>
public static class Tables
{
    public static void Write(CliContext ctx, string[] headers, IEnumerable<string[]> rows)
    {
        if (ctx.DataFormat == OutputFormat.Table)
        {
            var console = Console(ctx.Out, ctx.IsTerminal);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in headers)
            {
                table.AddColumn(new TableColumn(Markup.Escape(header)));
            }

            foreach (var row in rows)
            {
                table.AddRow(row.Select(cell => new Text(cell)).ToArray<Spectre.Console.Rendering.IRenderable>());
            }

            console.Write(table);
            return;
        }

        foreach (var row in rows)
        {
            ctx.Out.WriteLine(string.Join('\t', row));
        }
    }

    /// <summary>A <c>show</c> command's field/value rows: a two-column table on a terminal, <c>field\tvalue</c> lines otherwise.</summary>
    public static void WriteFields(CliContext ctx, IEnumerable<string[]> rows) => Write(ctx, ["FIELD", "VALUE"], rows);

    /// <summary>A Spectre console bound to the given writer (not the process' Console), so tests see its output.</summary>
    public static IAnsiConsole Console(TextWriter writer, bool isTerminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        // The caller knows whether the stream is a terminal (tests pass a StringWriter as one); Spectre's own detection
        // would look at the process' console instead.
        Ansi = isTerminal ? AnsiSupport.Yes : AnsiSupport.No,
        ColorSystem = isTerminal ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
        Interactive = isTerminal ? InteractionSupport.Yes : InteractionSupport.No,
    });

    public static string Expiry(long unixMs, DateTimeOffset now)
    {
        if (unixMs >= Core.Store.DeadMarks.NeverExpires)
        {
            return "never";
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        var left = at - now;
        return $"{at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)} (in {(left.TotalSeconds < 0 ? 0 : (int)left.TotalSeconds)}s)";
    }
}
