using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entrance.Cli.Output;

public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // URLs and hosts stay readable ("*.example.com", "&") rather than \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>One event per line, for `entrance watch` piped into jq.</summary>
    public static readonly JsonSerializerOptions Lines = new(Options) { WriteIndented = false };

    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);
}
