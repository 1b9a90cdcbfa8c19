namespace Entrance.Core.Hosts;

/// <summary>
/// Host-name rules shared by the router, the CLI and the Syncer: how a Host header becomes a lookup name,
/// which route names are valid, and which route names a host tries, in order.
/// </summary>
public static class HostName
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    /// <summary>hipache looks up wildcards for parent domains of at most this many labels.</summary>
    public const int MaxWildcardParentLabels = 5;

    public const string CatchAll = "*";

    /// <summary>
    /// Turns a Host header value into the lookup name: lower case, no port, no trailing dot.
    /// Returns the input string itself when it is already normal, so the common case allocates nothing.
    /// </summary>
    public static bool TryNormalize(string? raw, out string host)
    {
        host = string.Empty;
        if (string.IsNullOrEmpty(raw))
        {
            return false;
        }

        var span = raw.AsSpan();
        if (span[0] == '[')
        {
            // IPv6 literal: [::1] or [::1]:8080; kept bracketed.
            var close = span.IndexOf(']');
            if (close < 2 || !IsValidPort(span[(close + 1)..], allowEmpty: true))
            {
                return false;
            }

            var inner = span[1..close];
            foreach (var c in inner)
            {
                if (!(char.IsAsciiHexDigit(c) || c == ':' || c == '.'))
                {
                    return false;
                }
            }

            host = close == span.Length - 1 && !HasUpper(span) ? raw : string.Concat("[", inner.ToString().ToLowerInvariant(), "]");
            return true;
        }

        var colon = span.IndexOf(':');
        if (colon >= 0)
        {
            if (!IsValidPort(span[colon..], allowEmpty: false))
            {
                return false;
            }

            span = span[..colon];
        }

        if (span.Length > 0 && span[^1] == '.')
        {
            span = span[..^1];
        }

        if (!IsValidName(span, allowWildcard: false))
        {
            return false;
        }

        if (span.Length == raw.Length && !HasUpper(span))
        {
            host = raw;
        }
        else
        {
            host = HasUpper(span) ? string.Create(span.Length, span, static (dst, src) => src.ToLowerInvariant(dst)) : span.ToString();
        }

        return true;
    }

    /// <summary>
    /// Validates a route name as stored in Redis: a lower-case host, a wildcard <c>*.parent</c>, or the catch-all <c>*</c>.
    /// </summary>
    public static bool IsValidRouteName(string? name, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrEmpty(name))
        {
            error = "host is empty";
            return false;
        }

        if (name == CatchAll)
        {
            return true;
        }

        if (name.Length > MaxLength)
        {
            error = $"host is longer than {MaxLength} characters";
            return false;
        }

        if (name.AsSpan().IndexOfAny(' ', '\t') >= 0)
        {
            error = "host contains white space";
            return false;
        }

        if (HasUpper(name))
        {
            error = "host must be lower case";
            return false;
        }

        if (name.Contains(':'))
        {
            error = "host must not contain a port";
            return false;
        }

        var star = name.IndexOf('*');
        if (star >= 0 && (star != 0 || name.Length < 3 || name[1] != '.' || name.IndexOf('*', 1) >= 0))
        {
            error = "a wildcard is only allowed as the whole first label, as in *.example.com";
            return false;
        }

        if (name.EndsWith('.'))
        {
            error = "host must not end with a dot";
            return false;
        }

        if (name.Contains(".."))
        {
            error = "host contains an empty label (..)";
            return false;
        }

        if (!IsValidName(name, allowWildcard: true))
        {
            error = "host has an invalid label (letters, digits, '-' and '_' only, 1-63 characters, no leading or trailing '-')";
            return false;
        }

        return true;
    }

    public static bool IsWildcard(string name) => name.StartsWith("*.", StringComparison.Ordinal);

    /// <summary>
    /// The route names a host tries, in order: itself, <c>*.parent</c> for each parent of at most
    /// <see cref="MaxWildcardParentLabels"/> labels, longest first, then the catch-all <c>*</c>.
    /// </summary>
    public static string[] Candidates(string host)
    {
        if (host == CatchAll)
        {
            return [CatchAll];
        }

        var dots = host.AsSpan().Count('.');
        var labels = dots + 1;
        // Parents are the suffixes after each dot; only those with at most 5 labels are tried.
        var wildcardCount = Math.Min(dots, MaxWildcardParentLabels);
        var result = new string[1 + wildcardCount + 1];
        result[0] = host;
        var n = 1;
        var seen = 0;
        for (var i = 0; i < host.Length; i++)
        {
            if (host[i] != '.')
            {
                continue;
            }

            seen++;
            var parentLabels = labels - seen;
            if (parentLabels <= MaxWildcardParentLabels)
            {
                result[n++] = string.Concat("*", host.AsSpan(i));
            }
        }

        result[n++] = CatchAll;
        return n == result.Length ? result : result[..n];
    }

    /// <summary>True when <paramref name="host"/> would try <paramref name="routeName"/> during lookup.</summary>
    public static bool Tries(string host, string routeName)
    {
        if (routeName == CatchAll || routeName == host)
        {
            return true;
        }

        if (!IsWildcard(routeName))
        {
            return false;
        }

        var suffix = routeName.AsSpan(1); // ".parent"
        if (!host.AsSpan().EndsWith(suffix, StringComparison.Ordinal) || host.Length == suffix.Length)
        {
            return false;
        }

        return suffix.Count('.') <= MaxWildcardParentLabels;
    }

    private static bool IsValidPort(ReadOnlySpan<char> colonAndPort, bool allowEmpty)
    {
        if (colonAndPort.IsEmpty)
        {
            return allowEmpty;
        }

        if (colonAndPort[0] != ':' || colonAndPort.Length < 2 || colonAndPort.Length > 6)
        {
            return false;
        }

        foreach (var c in colonAndPort[1..])
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return int.Parse(colonAndPort[1..]) <= 65535;
    }

    private static bool IsValidName(ReadOnlySpan<char> name, bool allowWildcard)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }

        if (allowWildcard && name.StartsWith("*."))
        {
            name = name[2..];
        }

        var labelStart = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] != '.')
            {
                var c = name[i];
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                {
                    return false;
                }

                continue;
            }

            var label = name[labelStart..i];
            if (label.IsEmpty || label.Length > MaxLabelLength || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            labelStart = i + 1;
        }

        return true;
    }

    private static bool HasUpper(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return true;
            }
        }

        return false;
    }
}
