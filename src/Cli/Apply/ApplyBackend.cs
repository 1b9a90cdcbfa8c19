using Entrance.Cli.Input;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Entrance.Cli.Apply;

/// <summary>A backend of an apply file written as a mapping, <c>{url: http://10.0.0.5:8080, weight: 10}</c>, instead of a plain URL.</summary>
internal static class ApplyBackend
{
    /// <summary>Consumes the mapping; returns its URL (null when it has none) and records a weight other than 1.</summary>
    public static string? Read(IParser parser, string fileName, List<string> errors, Dictionary<string, int> weights)
    {
        var start = parser.Current!;
        parser.MoveNext();
        string? url = null;
        long? weight = null;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Current as Scalar;
            parser.MoveNext();
            var value = parser.Current!;
            switch (key?.Value)
            {
                case "url" when value is Scalar s:
                    url = s.Value;
                    break;
                case "weight" when value is Scalar s && long.TryParse(s.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n):
                    if (RouteInput.TryWeight(n, out var weightError))
                    {
                        weight = n;
                    }
                    else
                    {
                        errors.Add($"{fileName}:{value.Start.Line}:{value.Start.Column}: {weightError}");
                    }

                    break;
                case "weight":
                    errors.Add($"{fileName}:{value.Start.Line}:{value.Start.Column}: invalid weight: use an integer 0..10000");
                    break;
                default:
                    errors.Add($"{fileName}:{start.Start.Line}:{start.Start.Column}: unknown backend key '{key?.Value}' (expected url, weight)");
                    break;
            }

            parser.SkipThisAndNestedEvents();
        }

        if (url is null)
        {
            errors.Add($"{fileName}:{start.Start.Line}:{start.Start.Column}: a backend written as a mapping needs 'url'");
            return null;
        }

        if (weight is { } w && w != 1)
        {
            weights[url] = (int)w;
        }

        return url;
    }
}
