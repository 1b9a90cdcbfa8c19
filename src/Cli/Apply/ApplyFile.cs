using System.Text.Json;
using Entrance.Cli.Input;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Entrance.Cli.Apply;

/// <summary>One host of an apply file, with where it was written for error messages.</summary>
public sealed record ApplyEntry(string Host, IReadOnlyList<string> Backends, string? Lb, int Line, int Column);

/// <summary>
/// Reads an apply file (YAML, or the same shape in JSON) into hosts, checking everything before anything is written:
/// syntax (file, line and column), shape, host names, URLs, policies, duplicates. Every error is reported, not the first.
/// </summary>
public static class ApplyFile
{
    public static IReadOnlyList<ApplyEntry> Parse(string text, string fileName)
    {
        var errors = new List<string>();
        var entries = new List<ApplyEntry>();
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

                throw new CliInputException($"{fileName}:{(ex.LineNumber ?? 0) + 1}:{(ex.BytePositionInLine ?? 0) + 1}: invalid JSON: {message}");
            }
        }

        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
            var (line, column) = ((int)ex.Start.Line, (int)ex.Start.Column);
            if (ex is AnchorNotFoundException && FindAlias(text, message) is { } alias)
            {
                // `host: *.example.com` unquoted is a YAML alias: the most likely mistake in a routes file.
                (line, column) = (alias.Line, alias.Column);
                message += "; quote wildcard names, as in host: \"*.example.com\"";
            }

            throw new CliInputException($"{fileName}:{line}:{column}: invalid {(isJson ? "JSON" : "YAML")}: {message}");
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            var at = yaml.Documents.Count == 0 ? "1:1" : Position(yaml.Documents[0].RootNode);
            throw new CliInputException($"{fileName}:{at}: expected a mapping with a 'hosts:' list, as in: hosts: [{{host: shop.example.com, backends: [\"http://10.0.0.5:8080\"]}}]");
        }

        if (yaml.Documents.Count > 1)
        {
            errors.Add($"{fileName}:{Position(yaml.Documents[1].RootNode)}: only one document is allowed");
        }

        YamlSequenceNode? hosts = null;
        foreach (var (key, value) in root.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name == "hosts" && value is YamlSequenceNode sequence)
            {
                hosts = sequence;
            }
            else if (name == "hosts" && value is YamlScalarNode { Value: null or "" })
            {
                hosts = new YamlSequenceNode(); // "hosts:" with nothing: an empty list
            }
            else if (name == "hosts")
            {
                errors.Add($"{fileName}:{Position(value)}: 'hosts' must be a list");
            }
            else
            {
                errors.Add($"{fileName}:{Position(key)}: unknown key '{name}' (expected 'hosts')");
            }
        }

        if (hosts is null && errors.Count == 0)
        {
            errors.Add($"{fileName}:{Position(root)}: missing 'hosts:' list");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in hosts?.Children ?? [])
        {
            var at = $"{fileName}:{Position(item)}";
            if (item is not YamlMappingNode map)
            {
                errors.Add($"{at}: each entry of 'hosts' must be a mapping with host, backends and optional lb");
                continue;
            }

            string? host = null;
            string? lb = null;
            var backends = new List<string>();
            var hasBackends = false;
            foreach (var (key, value) in map.Children)
            {
                var field = (key as YamlScalarNode)?.Value;
                var fieldAt = $"{fileName}:{Position(value)}";
                switch (field)
                {
                    case "host" when value is YamlScalarNode scalar:
                        if (RouteInput.TryHost(scalar.Value, out var normal, out var hostError))
                        {
                            host = normal;
                        }
                        else
                        {
                            errors.Add($"{fieldAt}: {hostError}");
                            host = string.Empty;
                        }

                        break;
                    case "backends" when value is YamlSequenceNode list:
                        hasBackends = true;
                        foreach (var urlNode in list.Children)
                        {
                            var url = (urlNode as YamlScalarNode)?.Value;
                            if (!RouteInput.TryUrl(url, out var urlError))
                            {
                                errors.Add($"{fileName}:{Position(urlNode)}: {urlError}");
                            }
                            else if (backends.Contains(url!))
                            {
                                errors.Add($"{fileName}:{Position(urlNode)}: duplicate backend \"{url}\"");
                            }
                            else
                            {
                                backends.Add(url!);
                            }
                        }

                        break;
                    case "lb" when value is YamlScalarNode scalar:
                        if (RouteInput.TryPolicy(scalar.Value, out var lbError))
                        {
                            lb = scalar.Value;
                        }
                        else
                        {
                            errors.Add($"{fieldAt}: {lbError}");
                        }

                        break;
                    case "host" or "lb":
                        errors.Add($"{fieldAt}: '{field}' must be a single value");
                        break;
                    case "backends":
                        errors.Add($"{fieldAt}: 'backends' must be a list of URLs");
                        hasBackends = true;
                        break;
                    default:
                        errors.Add($"{fileName}:{Position(key)}: unknown key '{field}' (expected host, backends, lb)");
                        break;
                }
            }

            if (host is null)
            {
                errors.Add($"{at}: entry without 'host'");
                continue;
            }

            if (!hasBackends)
            {
                errors.Add($"{at}: {host} has no 'backends' list");
            }

            if (host.Length == 0)
            {
                continue;
            }

            if (seen.TryGetValue(host, out var firstLine))
            {
                errors.Add($"{at}: duplicate host {host} (first listed at line {firstLine})");
                continue;
            }

            seen[host] = (int)item.Start.Line;
            entries.Add(new ApplyEntry(host, backends, lb, (int)item.Start.Line, (int)item.Start.Column));
        }

        return errors.Count > 0 ? throw new CliInputException(errors) : entries;
    }

    /// <summary>Where the alias an AnchorNotFoundException names ("The anchor 'x' not found") is written.</summary>
    private static (int Line, int Column)? FindAlias(string text, string message)
    {
        var start = message.IndexOf('\'');
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        if (end <= start + 1)
        {
            return null;
        }

        var alias = "*" + message[(start + 1)..end];
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var column = lines[i].IndexOf(alias, StringComparison.Ordinal);
            if (column >= 0)
            {
                return (i + 1, column + 1);
            }
        }

        return null;
    }

    private static string Position(YamlNode node) => $"{node.Start.Line}:{node.Start.Column}";
}
