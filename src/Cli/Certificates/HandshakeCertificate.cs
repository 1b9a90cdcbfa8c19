using Entrance.Core.Store;

namespace Entrance.Cli.Certificates;

/// <summary>
/// Which certificate a router gives handshakes for a host, read from the keys routers read: the exact name, else
/// <c>*.parent</c>, else the default. A stored certificate a router cannot use (bad PEM, expired) also means the default.
/// </summary>
internal sealed record HandshakeCertificate(string Source, CertificateView? View)
{
    public static async Task<HandshakeCertificate> FindAsync(RedisConnection redis, string host, DateTimeOffset now)
    {
        var stored = await new CertificateWriter(redis).FindForHostAsync(host);
        if (stored is null)
        {
            return new HandshakeCertificate("default", null);
        }

        return new HandshakeCertificate(stored.Name == host ? "exact" : "wildcard", CertificateView.From(stored, now));
    }

    public string Describe(DateTimeOffset now)
    {
        if (View is null)
        {
            return "the router's default certificate (none stored for this name or its wildcard)";
        }

        var text = View.Info is { } info
            ? $"{View.Name} ({Source}; {string.Join(", ", info.DnsNames)}; not after {CertificateInput.Format(info.NotAfter)}, {info.DaysLeft(now)} days left; owner {View.Owner})"
            : $"{View.Name} ({Source}; owner {View.Owner})";
        return View.Problem is null ? text : $"{text} — {View.Problem}: routers serve their default certificate instead";
    }

    public object ToJson(DateTimeOffset now) => new
    {
        source = Source,
        name = View?.Name,
        usable = View is { Problem: null },
        details = View?.ToJson(now),
    };
}
