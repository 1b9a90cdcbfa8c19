using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Entrance.Router.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, written from the format's description: every line is
/// a HELP, a TYPE, or a sample of the family announced just before; names and labels follow the grammar; histograms
/// have cumulative buckets ending in +Inf equal to _count. Any deviation throws, so a test that parses also validates.
/// </summary>
public sealed partial class Exposition
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static Exposition Parse(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        var result = new Exposition();
        string? family = null;
        foreach (var line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ');
                var name = space < 0 ? rest : rest[..space];
                Require(MetricName().IsMatch(name), $"bad metric name in {line}");
                Require(!result.Help.ContainsKey(name), $"HELP twice for {name}");
                result.Help[name] = space < 0 ? string.Empty : rest[(space + 1)..];
                family = name;
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Require(parts.Length == 2 && MetricName().IsMatch(parts[0]), $"bad TYPE line {line}");
                Require(parts[1] is "counter" or "gauge" or "histogram" or "summary" or "untyped", $"bad type in {line}");
                Require(!result.Types.ContainsKey(parts[0]), $"TYPE twice for {parts[0]}");
                Require(family == parts[0], $"TYPE for {parts[0]} not right after its HELP");
                result.Types[parts[0]] = parts[1];
                continue;
            }

            Require(line.Length > 0 && line[0] != '#', $"unexpected line '{line}'");
            var (sampleName, labels, value) = ParseSample(line);
            Require(family is not null && BelongsTo(sampleName, family, result.Types[family]), $"sample {sampleName} outside its family {family}");
            var key = Key(sampleName, labels);
            Require(!result._samples.ContainsKey(key), $"duplicate sample {key}");
            result._samples[key] = value;
        }

        result.CheckHistograms();
        return result;
    }

    /// <summary>
    /// A sample's value; labels as name=value pairs, any order. A missing series fails the assertion (a test of an
    /// absent metric must not pass by reading 0): use <see cref="ValueOrZero"/> where absent is a legitimate answer.
    /// </summary>
    public double Value(string name, params string[] labels) =>
        _samples.TryGetValue(Key(name, labels), out var v)
            ? v
            : throw new Xunit.Sdk.XunitException($"no sample {Key(name, labels)} in the exposition");

    /// <summary>A sample's value, or 0 when the series is absent: only for series that may legitimately not exist yet (e.g. "before" any traffic).</summary>
    public double ValueOrZero(string name, params string[] labels) => _samples.TryGetValue(Key(name, labels), out var v) ? v : 0;

    /// <summary>Whether the series exists.</summary>
    public bool Has(string name, params string[] labels) => _samples.ContainsKey(Key(name, labels));

    private static string Key(string name, string[] labels) =>
        Key(name, labels.Select(l => l.Split('=', 2)).Select(p => (p[0], p[1])).ToList());

    public IEnumerable<string> SampleKeys => _samples.Keys;

    private static bool BelongsTo(string sample, string family, string type) => type switch
    {
        "histogram" => sample == family + "_bucket" || sample == family + "_sum" || sample == family + "_count",
        _ => sample == family,
    };

    private static string Key(string name, IEnumerable<(string Name, string Value)> labels) =>
        name + "{" + string.Join(",", labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => l.Name + "=" + l.Value)) + "}";

    private static (string Name, List<(string, string)> Labels, double Value) ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        Require(MetricName().IsMatch(name), $"bad sample name in '{line}'");
        var labels = new List<(string, string)>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var labelName = line[i..eq];
                Require(LabelName().IsMatch(labelName), $"bad label name '{labelName}' in '{line}'");
                Require(line[eq + 1] == '"', $"label value not quoted in '{line}'");
                var value = new StringBuilder();
                var j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape in '{line}'"),
                        });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }

                labels.Add((labelName, value.ToString()));
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
                else
                {
                    Require(line[i] == '}', $"expected , or }} in '{line}'");
                }
            }

            i++;
        }

        Require(i < line.Length && line[i] == ' ', $"no space before the value in '{line}'");
        var text = line[(i + 1)..];
        Require(!text.Contains(' '), $"timestamps are not expected in '{line}'");
        var parsed = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return (name, labels, parsed);
    }

    private void CheckHistograms()
    {
        foreach (var (family, _) in Types.Where(t => t.Value == "histogram"))
        {
            var buckets = _samples.Where(s => s.Key.StartsWith(family + "_bucket{", StringComparison.Ordinal)).ToList();
            foreach (var series in buckets.GroupBy(b => Regex.Replace(b.Key, @"(,?)le=[^,}]*", "")))
            {
                var ordered = series.Select(b => (Le: ParseLe(b.Key), b.Value)).OrderBy(b => b.Le).ToList();
                Require(double.IsPositiveInfinity(ordered[^1].Le), $"{family} has no +Inf bucket");
                for (var k = 1; k < ordered.Count; k++)
                {
                    Require(ordered[k].Value >= ordered[k - 1].Value, $"{family} buckets are not cumulative");
                }

                var countKey = series.Key.Replace("_bucket{", "_count{").Replace("{,", "{");
                Require(_samples.TryGetValue(countKey, out var count) && count == ordered[^1].Value, $"{family} +Inf bucket differs from _count ({countKey})");
            }
        }
    }

    private static double ParseLe(string key)
    {
        var m = Regex.Match(key, "le=([^,}]*)");
        return m.Groups[1].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new FormatException(message);
        }
    }
}
