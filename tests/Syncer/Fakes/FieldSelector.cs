using System.Text.Json.Nodes;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>
/// The apiserver's <c>fieldSelector</c> for the test server: comma-separated <c>path=value</c>, <c>path==value</c> or
/// <c>path!=value</c> terms over an object's JSON (<c>type</c>, <c>metadata.name</c>, <c>metadata.namespace</c>...).
/// </summary>
public static class FieldSelector
{
    public static Func<JsonObject, bool> Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return _ => true;
        }

        var terms = selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(term =>
        {
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            return (Path: parts[0].Split('.'), Value: parts.Length > 1 ? parts[1] : string.Empty, Negate: negate);
        }).ToList();
        return obj => terms.All(t => (ValueAt(obj, t.Path) == t.Value) != t.Negate);
    }

    private static string? ValueAt(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            node = node?[part];
        }

        return node?.GetValue<string>();
    }
}
