namespace Entrance.Router.Proxy;

/// <summary>The request id: the client's <c>X-Request-Id</c> when it sent a sane one, else a new one.</summary>
public static class RequestId
{
    private const int MaxLength = 200;

    public static string From(HttpRequest request)
    {
        var given = request.Headers[ForwardedHeadersTransformer.RequestIdHeader];
        if (given.Count == 1)
        {
            var id = given[0]!;
            if (id.Length is > 0 and <= MaxLength && !id.AsSpan().ContainsAnyExceptInRange((char)0x21, (char)0x7e))
            {
                return id;
            }
        }

        return New();
    }

    /// <summary>
    /// 128 random bits as 32 lower-case hex digits, like nginx's <c>$request_id</c>. Not <see cref="Guid.NewGuid"/>:
    /// that reads the kernel's random source, a system call per request; ids need to be unique, not secret.
    /// </summary>
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
