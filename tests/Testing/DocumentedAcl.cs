using System.Text.RegularExpressions;

namespace Entrance.Testing;

/// <summary>The ACL rules docs/redis-schema.md gives each program, read from the file so the documentation is what is tested.</summary>
public static class DocumentedAcl
{
    /// <summary>The <c>ACL SETUSER</c> arguments for <paramref name="user"/>, with <paramref name="password"/> for <c>CHANGE-ME</c>.</summary>
    public static string[] Rules(string user, string password)
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "redis-schema.md"));
        var line = Regex.Match(doc, $"^ACL SETUSER {Regex.Escape(user)} .*$", RegexOptions.Multiline).Value.Trim();
        if (line.Length == 0)
        {
            throw new InvalidOperationException($"docs/redis-schema.md has no ACL line for {user}");
        }

        return [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a == ">CHANGE-ME" ? ">" + password : a)];
    }
}
