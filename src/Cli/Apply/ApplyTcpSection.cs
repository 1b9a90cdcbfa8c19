using System.Globalization;
using Entrance.Core.Store;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Entrance.Cli.Apply;

/// <summary>One TCP route of an apply file: its port, backends (stored form) and settings, with where it was written.</summary>
public sealed record ApplyTcpEntry(int Port, IReadOnlyList<string> Backends, IReadOnlyDictionary<string, string> Settings, int Line);

/// <summary>
/// The <c>tcp:</c> section of an apply file: a list of <c>{port, backends, lb, proxy_protocol, idle_timeout,
/// connect_timeout, max_connections}</c>, every value checked by <see cref="TcpRouteRules"/> with its line and column.
/// </summary>
public static class ApplyTcpSection
{
    private static readonly string Keys = "port, backends, " + string.Join(", ", TcpRouteRules.Fields);

    public static void Read(IParser parser, string fileName, List<string> errors, List<ApplyTcpEntry> entries)
    {
        var value = ApplyFile.Current(parser);
        if (value is Scalar { Value: "", Style: ScalarStyle.Plain })
        {
            parser.MoveNext(); // "tcp:" with nothing: an empty list
            return;
        }

        if (value is not SequenceStart)
        {
            errors.Add($"{fileName}:{ApplyFile.Position(value)}: 'tcp' must be a list");
            parser.SkipThisAndNestedEvents();
            return;
        }

        parser.MoveNext();
        var seen = new Dictionary<int, long>();
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            ReadEntry(parser, fileName, errors, entries, seen);
        }
    }

    private static void ReadEntry(IParser parser, string fileName, List<string> errors, List<ApplyTcpEntry> entries, Dictionary<int, long> seen)
    {
        var item = ApplyFile.Current(parser);
        var at = $"{fileName}:{ApplyFile.Position(item)}";
        if (item is not MappingStart)
        {
            errors.Add($"{at}: each entry of 'tcp' must be a mapping with {Keys}");
            parser.SkipThisAndNestedEvents();
            return;
        }

        parser.MoveNext();
        int? port = null;
        var valid = true;
        var backends = new List<string>();
        var hasBackends = false;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = ApplyFile.ReadKey(parser, fileName);
            var value = ApplyFile.Current(parser);
            var where = $"{fileName}:{ApplyFile.Position(value)}";
            if (key.Value == "port" && value is Scalar portScalar)
            {
                if (TcpRouteRules.TryPort(portScalar.Value, out var p, out var error))
                {
                    port = p;
                }
                else
                {
                    errors.Add($"{where}: {error}");
                    valid = false;
                }

                parser.MoveNext();
            }
            else if (key.Value == "backends" && value is SequenceStart)
            {
                hasBackends = true;
                parser.MoveNext();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var backendEvent = ApplyFile.Current(parser);
                    var raw = (backendEvent as Scalar)?.Value;
                    if (!TcpRouteRules.TryBackend(raw, out var backend, out var error))
                    {
                        errors.Add($"{fileName}:{ApplyFile.Position(backendEvent)}: {error}");
                    }
                    else if (backends.Contains(backend))
                    {
                        errors.Add($"{fileName}:{ApplyFile.Position(backendEvent)}: duplicate TCP backend \"{raw}\"");
                    }
                    else
                    {
                        backends.Add(backend);
                    }

                    parser.SkipThisAndNestedEvents();
                }
            }
            else if (TcpRouteRules.Fields.Contains(key.Value) && value is Scalar setting)
            {
                if (TcpRouteRules.TrySetting(key.Value, setting.Value, out var error) && setting.Value.Length > 0)
                {
                    settings[key.Value] = setting.Value;
                }
                else
                {
                    errors.Add($"{where}: {(error.Length > 0 ? error : $"'{key.Value}' needs a value")}");
                }

                parser.MoveNext();
            }
            else
            {
                errors.Add(key.Value is "port" or "backends" || TcpRouteRules.Fields.Contains(key.Value)
                    ? $"{where}: '{key.Value}' must be {(key.Value == "backends" ? "a list of host:port" : "a single value")}"
                    : $"{fileName}:{ApplyFile.Position(key)}: unknown key '{key.Value}' (expected {Keys})");
                parser.SkipThisAndNestedEvents();
            }
        }

        if (port is null)
        {
            if (valid)
            {
                errors.Add($"{at}: TCP entry without 'port'");
            }

            return;
        }

        if (!hasBackends)
        {
            errors.Add($"{at}: tcp {port} has no 'backends' list");
        }

        if (seen.TryGetValue(port.Value, out var firstLine))
        {
            errors.Add($"{at}: duplicate TCP port {port} (first listed at line {firstLine})");
            return;
        }

        seen[port.Value] = item.Start.Line;
        entries.Add(new ApplyTcpEntry(port.Value, backends, settings, (int)item.Start.Line));
    }

    /// <summary>The settings a write sets: the entry's, and every other known field emptied (deleted), so the file is the whole truth.</summary>
    public static Dictionary<string, string> FullSettings(ApplyTcpEntry entry)
    {
        var all = TcpRouteRules.Fields.ToDictionary(f => f, _ => string.Empty, StringComparer.Ordinal);
        foreach (var (field, value) in entry.Settings)
        {
            all[field] = value;
        }

        return all;
    }

    public static string PortText(int port) => port.ToString(CultureInfo.InvariantCulture);
}
