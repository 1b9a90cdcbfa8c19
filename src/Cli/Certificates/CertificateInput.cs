using Entrance.Cli.Input;
using Entrance.Core.Certificates;
using Entrance.Core.Hosts;

namespace Entrance.Cli.Certificates;

/// <summary>The checks a certificate goes through before <c>cert add</c> writes anything (each failure: exit 2).</summary>
internal static class CertificateInput
{
    /// <summary>A certificate name as stored: lower case, no trailing dot, a host or a one-label wildcard <c>*.parent</c>.</summary>
    public static string Name(string? raw)
    {
        var name = (raw ?? string.Empty).Trim().ToLowerInvariant();
        if (name.EndsWith('.') && name.Length > 1)
        {
            name = name[..^1];
        }

        if (name == HostName.CatchAll)
        {
            throw new CliInputException($"invalid certificate name \"{raw}\": '*' is not a certificate name; the router's default certificate serves unknown names");
        }

        return HostName.IsValidRouteName(name, out var error) ? name : throw new CliInputException($"invalid certificate name \"{raw}\": {error}");
    }

    public static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliInputException($"cannot read the {what} file \"{path}\": {e.Message}");
        }
    }

    /// <summary>Loads and checks the pair for <paramref name="name"/>: parses, key matches, valid now, covers the name.</summary>
    public static LoadedCertificate Validate(string name, string chainPem, string keyPem, DateTimeOffset now)
    {
        LoadedCertificate loaded;
        try
        {
            loaded = CertificatePem.Load(chainPem, keyPem);
        }
        catch (CertificateProblemException e)
        {
            throw new CliInputException($"refused: {e.Message}");
        }

        var info = loaded.Info;
        string? problem = null;
        if (now >= info.NotAfter)
        {
            problem = $"refused: the certificate expired on {Format(info.NotAfter)}";
        }
        else if (now < info.NotBefore)
        {
            problem = $"refused: the certificate is not valid before {Format(info.NotBefore)}";
        }
        else if (!loaded.Covers(name))
        {
            problem = $"refused: the certificate does not cover {name} (its DNS names: {(info.DnsNames.Count == 0 ? "none" : string.Join(", ", info.DnsNames))})";
        }

        if (problem is not null)
        {
            loaded.Dispose();
            throw new CliInputException(problem);
        }

        return loaded;
    }

    public static string Format(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
