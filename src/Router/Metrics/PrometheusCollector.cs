using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Entrance.Router.Metrics;

/// <summary>
/// Listens to one <see cref="Meter"/> and keeps running totals per instrument and label set, then renders them in the
/// Prometheus text exposition format 0.0.4. No exporter package: this is the whole of it. Recording is a dictionary
/// lookup keyed by the (constant) tag values plus an interlocked add; rendering happens only on a scrape.
/// </summary>
public sealed class PrometheusCollector : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Meter _meter;

    public PrometheusCollector(Meter meter, double[] histogramBuckets)
    {
        _meter = meter;
        var buckets = histogramBuckets.Order().ToArray();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _meter)
            {
                var family = _families.GetOrAdd(instrument, i => new Family(i, buckets));
                listener.EnableMeasurementEvents(instrument, family);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>The current values in the text exposition format.</summary>
    public string Render()
    {
        try
        {
            _listener.RecordObservableInstruments();
        }
        catch (AggregateException)
        {
            // A gauge whose callback failed keeps its last value; the rest of the scrape is still worth serving.
        }

        var text = new StringBuilder(4096);
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            family.Render(text);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny('\\', '"', '\n') < 0 ? value : value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    /// <summary>Escapes HELP text: backslash and line feed.</summary>
    public static string EscapeHelp(string value) => value.Replace("\\", @"\\").Replace("\n", @"\n");

    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private enum Kind { Counter, Gauge, Histogram }

    /// <summary>At most two label values identify a series; the router's instruments never use more.</summary>
    private readonly record struct SeriesKey(string? First, string? Second);

    private sealed class Series(string labels, int bucketCount)
    {
        private long _value;
        private long _doubleBits; // gauge values and histogram sums are doubles, added with compare-exchange
        private long _count;

        public string Labels { get; } = labels;

        public long[] Buckets { get; } = new long[bucketCount];

        public long Value => Interlocked.Read(ref _value);

        public long Count => Interlocked.Read(ref _count);

        public double Sum => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _doubleBits));

        public void Add(long value) => Interlocked.Add(ref _value, value);

        public void Set(double value) => Interlocked.Exchange(ref _doubleBits, BitConverter.DoubleToInt64Bits(value));

        public void Observe(double value, double[] bounds)
        {
            for (var i = 0; i < bounds.Length; i++)
            {
                if (value <= bounds[i])
                {
                    Interlocked.Increment(ref Buckets[i]);
                    break;
                }
            }

            Interlocked.Increment(ref _count);
            long current, updated;
            do
            {
                current = Interlocked.Read(ref _doubleBits);
                updated = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + value);
            }
            while (Interlocked.CompareExchange(ref _doubleBits, updated, current) != current);
        }
    }

    private sealed class Family
    {
        private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();
        private readonly double[] _bounds;
        private readonly Kind _kind;
        private readonly bool _observable;

        public Family(Instrument instrument, double[] bounds)
        {
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
            _kind = generic == typeof(Histogram<>) ? Kind.Histogram
                : generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? Kind.Counter
                : Kind.Gauge; // up-down counters and observable gauges
            _observable = instrument.IsObservable;
            _bounds = _kind == Kind.Histogram ? bounds : [];
            Name = _kind == Kind.Counter && !instrument.Name.EndsWith("_total", StringComparison.Ordinal) ? instrument.Name + "_total" : instrument.Name;
            Help = instrument.Description ?? instrument.Name;
        }

        public string Name { get; }

        public string Help { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = Get(tags);
            switch (_kind)
            {
                case Kind.Histogram:
                    series.Observe(value, _bounds);
                    break;
                case Kind.Gauge or Kind.Counter when _observable:
                    series.Set(value); // an observable reports its current total
                    break;
                default:
                    series.Add((long)value);
                    break;
            }
        }

        public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (_kind == Kind.Histogram || _observable)
            {
                Record((double)value, tags);
            }
            else
            {
                Get(tags).Add(value);
            }
        }

        private Series Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = new SeriesKey(tags.Length > 0 ? tags[0].Value?.ToString() : null, tags.Length > 1 ? tags[1].Value?.ToString() : null);
            if (_series.TryGetValue(key, out var series))
            {
                return series;
            }

            var labels = new StringBuilder();
            foreach (var tag in tags)
            {
                labels.Append(labels.Length == 0 ? "" : ",").Append(tag.Key).Append("=\"").Append(EscapeLabelValue(tag.Value?.ToString() ?? "")).Append('"');
            }

            return _series.GetOrAdd(key, new Series(labels.ToString(), _bounds.Length));
        }

        public void Render(StringBuilder text)
        {
            text.Append("# HELP ").Append(Name).Append(' ').Append(EscapeHelp(Help)).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(_kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" }).Append('\n');
            var all = _series.Values.OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
            if (all.Count == 0 && _kind != Kind.Histogram)
            {
                all.Add(new Series(string.Empty, 0)); // an untouched instrument still shows, at 0
            }

            foreach (var s in all)
            {
                if (_kind == Kind.Histogram)
                {
                    RenderHistogram(text, s);
                }
                else
                {
                    Sample(text, Name, s.Labels, _observable ? FormatValue(s.Sum) : s.Value.ToString(CultureInfo.InvariantCulture));
                }
            }
        }

        private void RenderHistogram(StringBuilder text, Series s)
        {
            var prefix = s.Labels.Length == 0 ? string.Empty : s.Labels + ",";
            long cumulative = 0;
            for (var i = 0; i < _bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref s.Buckets[i]);
                Sample(text, Name + "_bucket", prefix + "le=\"" + FormatValue(_bounds[i]) + "\"", cumulative.ToString(CultureInfo.InvariantCulture));
            }

            // Read the count after the buckets so +Inf is never below the last bucket while requests are recorded.
            var count = Math.Max(s.Count, cumulative);
            Sample(text, Name + "_bucket", prefix + "le=\"+Inf\"", count.ToString(CultureInfo.InvariantCulture));
            Sample(text, Name + "_sum", s.Labels, FormatValue(s.Sum));
            Sample(text, Name + "_count", s.Labels, count.ToString(CultureInfo.InvariantCulture));
        }

        private static void Sample(StringBuilder text, string name, string labels, string value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(value).Append('\n');
        }
    }
}
