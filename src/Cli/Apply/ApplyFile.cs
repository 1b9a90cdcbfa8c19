using System.Text.Json;
using Entrance.Cli.Input;
using Entrance.Core.Schema;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Entrance.Cli.Apply;

/// <summary>One route of an apply file, with where it was written for error messages. <see cref="Host"/> is the route name, named after the file's public <c>host:</c> key.</summary>
public sealed record ApplyEntry(string Host, IReadOnlyList<string> Backends, string? Lb, int Line, int Column)
{
    /// <summary>The forwarding settings the file gives (<c>connect_timeout</c>, <c>backend_timeout</c>, <c>max_body</c>, <c>preserve_host</c>), validated.</summary>
    public IReadOnlyDictionary<string, string> Forwarding { get; init; } = new Dictionary<string, string>();

    /// <summary>Backend URL → weight, for backends listed as <c>{url: ..., weight: n}</c> with a weight other than 1.</summary>
    public IReadOnlyDictionary<string, int> Weights { get; init; } = new Dictionary<string, int>();

    /// <summary><c>ttl:</c> every backend is registered for this long by Redis's clock, each apply extending it.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The sticky-session and health-check fields (<see cref="BackendSettingRules.Fields"/>), each present: empty when the file leaves it out, so apply removes it.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = ApplyFile.NoSettings;
}

/// <summary>
/// Reads an apply file (YAML, or the same shape in JSON) into hosts, checking everything before anything is written:
/// syntax (file, line and column), shape, host names, URLs, policies, duplicates. Every error is reported, not the first.
/// </summary>
public static class ApplyFile
{
    internal static readonly IReadOnlyDictionary<string, string> NoSettings = BackendSettingRules.Fields.ToDictionary(f => f, _ => string.Empty, StringComparer.Ordinal);

    public static IReadOnlyList<ApplyEntry> Parse(string text, string fileName) => ParseAll(text, fileName).Hosts;

    /// <summary>The file's hosts and its <c>tcp:</c> section (TCP routes, see <see cref="ApplyTcpSection"/>).</summary>
    public static (IReadOnlyList<ApplyEntry> Hosts, IReadOnlyList<ApplyTcpEntry> Tcp) ParseAll(string text, string fileName)
    {
        var errors = new List<string>();
        var entries = new List<ApplyEntry>();
        var tcp = new List<ApplyTcpEntry>();
        var isJson = fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{') || text.TrimStart().StartsWith('[');
        if (isJson)
        {
            // JSON's own parser gives JSON's own errors; the YAML parser below then reads the same text for positions.
            try
            {
                using var _ = JsonDocument.Parse(text);
            }
            catch (JsonException ex)
            {
                var message = ex.Message;
                var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
                if (cut > 0)
                {
                    message = message[..cut];
                }

                // System.Text.Json counts bytes within the line: the column is exact for ASCII, close otherwise.
                throw new CliInputException($"{fileName}:{(ex.LineNumber ?? 0) + 1}:{(ex.BytePositionInLine ?? 0) + 1}: invalid JSON: {message}");
            }
        }

        // Read as a stream of parser events rather than a YamlStream document model: less work on a 10,000-host file,
        // and every event carries its own line and column.
        var parser = new Parser(new StringReader(text));
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (!parser.Accept<DocumentStart>(out _))
            {
                throw new CliInputException($"{fileName}:1:1: {ExpectedShape}");
            }

            parser.Consume<DocumentStart>();
            var rootEvent = Current(parser);
            if (rootEvent is not MappingStart)
            {
                throw new CliInputException($"{fileName}:{Position(rootEvent)}: {ExpectedShape}");
            }

            parser.MoveNext();
            var sawHosts = false;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadKey(parser, fileName);
                var value = Current(parser);
                if (key.Value == "hosts" && value is SequenceStart)
                {
                    sawHosts = true;
                    parser.MoveNext();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        ReadEntry(parser, fileName, errors, entries, seen);
                    }
                }
                else if (key.Value == "tcp")
                {
                    sawHosts = true; // a file may hold TCP routes only
                    ApplyTcpSection.Read(parser, fileName, errors, tcp);
                }
                else if (key.Value == "hosts" && value is Scalar { Value: "", Style: ScalarStyle.Plain })
                {
                    sawHosts = true; // "hosts:" with nothing: an empty list
                    parser.MoveNext();
                }
                else
                {
                    errors.Add(key.Value == "hosts"
                        ? $"{fileName}:{Position(value)}: 'hosts' must be a list"
                        : $"{fileName}:{Position(key)}: unknown key '{key.Value}' (expected 'hosts' or 'tcp')");
                    sawHosts |= key.Value == "hosts";
                    parser.SkipThisAndNestedEvents();
                }
            }

            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                errors.Add($"{fileName}:{Position(second)}: only one document is allowed");
            }

            if (!sawHosts && errors.Count == 0)
            {
                errors.Add($"{fileName}:{Position(rootEvent)}: missing 'hosts:' list");
            }
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
            throw new CliInputException($"{fileName}:{ex.Start.Line}:{ex.Start.Column}: invalid {(isJson ? "JSON" : "YAML")}: {message}");
        }

        return errors.Count > 0 ? throw new CliInputException(errors) : (entries, tcp);
    }

    private const string ExpectedShape = "expected a mapping with a 'hosts:' list, as in: hosts: [{host: shop.example.com, backends: [\"http://10.0.0.5:8080\"]}]";

    private static void ReadEntry(IParser parser, string fileName, List<string> errors, List<ApplyEntry> entries, Dictionary<string, long> seen)
    {
        var item = Current(parser);
        var at = $"{fileName}:{Position(item)}";
        if (item is not MappingStart)
        {
            errors.Add($"{at}: each entry of 'hosts' must be a mapping with host, backends and optional lb");
            parser.SkipThisAndNestedEvents();
            return;
        }

        parser.MoveNext();
        string? host = null;
        string? lb = null;
        TimeSpan? ttl = null;
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        var settings = new Dictionary<string, string>(NoSettings, StringComparer.Ordinal);
        var backends = new List<string>();
        var forwarding = new Dictionary<string, string>(StringComparer.Ordinal);
        var hasBackends = false;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = ReadKey(parser, fileName);
            var value = Current(parser);
            switch (key.Value)
            {
                case "host" when value is Scalar scalar:
                    if (RouteInput.TryRouteName(scalar.Value, out var normal, out var hostError))
                    {
                        host = normal;
                    }
                    else
                    {
                        errors.Add($"{fileName}:{Position(value)}: {hostError}");
                        host = string.Empty;
                    }

                    parser.MoveNext();
                    break;
                case "backends" when value is SequenceStart:
                    hasBackends = true;
                    parser.MoveNext();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        var urlEvent = Current(parser);
                        var url = urlEvent is MappingStart ? ApplyBackend.Read(parser, fileName, errors, weights) : (urlEvent as Scalar)?.Value;
                        if (url is null && urlEvent is MappingStart)
                        {
                            continue; // reported by ApplyBackend, which consumed the mapping
                        }

                        if (!RouteInput.TryUrl(url, out var urlError))
                        {
                            errors.Add($"{fileName}:{Position(urlEvent)}: {urlError}");
                        }
                        else if (backends.Contains(url!))
                        {
                            errors.Add($"{fileName}:{Position(urlEvent)}: duplicate backend \"{url}\"");
                        }
                        else
                        {
                            backends.Add(url!);
                        }

                        if (urlEvent is not MappingStart)
                        {
                            parser.SkipThisAndNestedEvents();
                        }
                    }

                    break;
                case "lb" when value is Scalar scalar:
                    if (RouteInput.TryPolicy(scalar.Value, out var lbError))
                    {
                        lb = scalar.Value;
                    }
                    else
                    {
                        errors.Add($"{fileName}:{Position(value)}: {lbError}");
                    }

                    parser.MoveNext();
                    break;
                case RedisKeys.ConnectTimeoutField or RedisKeys.BackendTimeoutField or RedisKeys.MaxBodyField or RedisKeys.PreserveHostField when value is Scalar scalar:
                    if (ForwardingSettings.Check(key.Value, scalar.Value) is { } forwardingError)
                    {
                        errors.Add($"{fileName}:{Position(value)}: {forwardingError}");
                    }
                    else
                    {
                        forwarding[key.Value] = scalar.Value.Trim();
                    }

                    parser.MoveNext();
                    break;
                case var field when settings.ContainsKey(field) && value is Scalar scalar:
                    // YAML's true/false read as sticky's 1/0, so "sticky: true" means what it says.
                    var text = field == RedisKeys.StickyField && scalar.Value is "true" or "false" ? (scalar.Value == "true" ? "1" : "0") : scalar.Value;
                    if (BackendSettingRules.Problem(field, text) is { } problem)
                    {
                        errors.Add($"{fileName}:{Position(value)}: {problem}");
                    }
                    else
                    {
                        settings[field] = text;
                    }

                    parser.MoveNext();
                    break;
                case "ttl" when value is Scalar scalar:
                    if (RouteInput.TryTtl(scalar.Value, out var ttlValue, out var ttlError))
                    {
                        ttl = ttlValue;
                    }
                    else
                    {
                        errors.Add($"{fileName}:{Position(value)}: {ttlError}");
                    }

                    parser.MoveNext();
                    break;
                case var field when settings.ContainsKey(field):
                    errors.Add($"{fileName}:{Position(value)}: '{field}' must be a single value");
                    parser.SkipThisAndNestedEvents();
                    break;
                case "host" or "lb" or "ttl" or RedisKeys.ConnectTimeoutField or RedisKeys.BackendTimeoutField or RedisKeys.MaxBodyField or RedisKeys.PreserveHostField:
                    errors.Add($"{fileName}:{Position(value)}: '{key.Value}' must be a single value");
                    parser.SkipThisAndNestedEvents();
                    break;
                case "backends":
                    errors.Add($"{fileName}:{Position(value)}: 'backends' must be a list of URLs");
                    hasBackends = true;
                    parser.SkipThisAndNestedEvents();
                    break;
                default:
                    errors.Add($"{fileName}:{Position(key)}: unknown key '{key.Value}' (expected host, backends, lb, ttl, connect_timeout, backend_timeout, max_body, preserve_host, {string.Join(", ", BackendSettingRules.Fields)})");
                    parser.SkipThisAndNestedEvents();
                    break;
            }
        }

        if (host is null)
        {
            errors.Add($"{at}: entry without 'host'");
            return;
        }

        if (!hasBackends)
        {
            errors.Add($"{at}: {host} has no 'backends' list");
        }

        if (host.Length == 0)
        {
            return;
        }

        if (seen.TryGetValue(host, out var firstLine))
        {
            errors.Add($"{at}: duplicate host {host} (first listed at line {firstLine})");
            return;
        }

        seen[host] = item.Start.Line;
        entries.Add(new ApplyEntry(host, backends, lb, (int)item.Start.Line, (int)item.Start.Column) { Forwarding = forwarding, Weights = weights, Ttl = ttl, Settings = settings });
    }

    /// <summary>A mapping key: a scalar. A complex key is not an apply file.</summary>
    internal static Scalar ReadKey(IParser parser, string fileName)
    {
        var key = Current(parser);
        if (key is not Scalar scalar)
        {
            throw new CliInputException($"{fileName}:{Position(key)}: keys must be plain names (host, backends, lb)");
        }

        parser.MoveNext();
        return scalar;
    }

    /// <summary>
    /// The current event. An alias is refused here: `host: *.example.com` unquoted is a YAML alias, the most likely
    /// mistake in a routes file.
    /// </summary>
    internal static ParsingEvent Current(IParser parser)
    {
        var current = parser.Current ?? throw new YamlException("unexpected end of input");
        if (current is AnchorAlias alias)
        {
            throw new YamlException(alias.Start, alias.End, $"*{alias.Value} is read as a YAML alias; quote wildcard names, as in host: \"*.example.com\"");
        }

        return current;
    }

    internal static string Position(ParsingEvent e) => $"{e.Start.Line}:{e.Start.Column}";
}
