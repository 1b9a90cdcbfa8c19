using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Tls;

/// <summary>
/// Picks each handshake's certificate from its SNI: the cached answer for the name (exact, then <c>*.parent</c>), else
/// the default certificate, or a refusal with <c>RejectUnknownNames</c>. A cache hit completes synchronously.
/// </summary>
public sealed class CertificateSelector(CertificateCache cache, DefaultCertificate fallback, TlsMetrics metrics, IOptions<TlsOptions> options, TimeProvider time)
{
    private readonly bool _reject = options.Value.RejectUnknownNames;

    public ValueTask<SslServerAuthenticationOptions> SelectAsync(TlsHandshakeCallbackContext context)
    {
        var name = ServerName(context.ClientHelloInfo.ServerName);
        if (name is null)
        {
            return new ValueTask<SslServerAuthenticationOptions>(Choose(new CertificateLookup(null, CertificateSource.Default), context.Connection));
        }

        var lookup = cache.GetAsync(name);
        return lookup.IsCompletedSuccessfully
            ? new ValueTask<SslServerAuthenticationOptions>(Choose(lookup.Result, context.Connection))
            : AwaitAsync(lookup, context.Connection);
    }

    private async ValueTask<SslServerAuthenticationOptions> AwaitAsync(ValueTask<CertificateLookup> lookup, ConnectionContext connection) =>
        Choose(await lookup.ConfigureAwait(false), connection);

    private SslServerAuthenticationOptions Choose(CertificateLookup lookup, ConnectionContext connection)
    {
        if (lookup.Certificate is { } certificate)
        {
            // A certificate that expired while cached (or while Redis is down) is not served: the default is, as for one
            // stored expired. Its answer is dropped, so the next handshake reads Redis again (it may have been renewed).
            if (certificate.NotAfterUnixSeconds > time.GetUtcNow().ToUnixTimeSeconds())
            {
                metrics.Selected(lookup.Source);
                return certificate.Options;
            }

            cache.ExpiredWhileCached(certificate);
        }

        if (_reject)
        {
            HandshakeMark.Reject(connection);
            metrics.HandshakeRejected();
            throw new AuthenticationRefusedException();
        }

        metrics.Selected(CertificateSource.Default);
        return fallback.Certificate.Options;
    }

    /// <summary>
    /// The SNI as a cache key: lower-case, no trailing dot, DNS characters only; null for none or junk (the default then,
    /// without asking Redis). The client's string is kept as it is when already normal, so a hit allocates nothing.
    /// </summary>
    public static string? ServerName(string? sni)
    {
        if (string.IsNullOrEmpty(sni))
        {
            return null;
        }

        var span = sni.AsSpan();
        if (span[^1] == '.')
        {
            span = span[..^1];
        }

        if (span.Length is 0 or > 253)
        {
            return null;
        }

        var upper = false;
        foreach (var c in span)
        {
            if (c is (>= 'A' and <= 'Z'))
            {
                upper = true;
            }
            else if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_'))
            {
                return null;
            }
        }

        if (span.Length == sni.Length && !upper)
        {
            return sni;
        }

        return upper ? span.ToString().ToLowerInvariant() : span.ToString();
    }

    /// <summary>Thrown to abort a handshake for an unknown name; Kestrel closes the connection.</summary>
    public sealed class AuthenticationRefusedException() : Exception("no certificate for this server name (Entrance:Tls:RejectUnknownNames)");
}

/// <summary>Per-connection flags the listener's middleware reads to count handshake results.</summary>
public sealed class HandshakeMark
{
    public bool Done { get; set; }

    public bool Rejected { get; set; }

    public static void Reject(ConnectionContext connection)
    {
        if (connection.Features.Get<HandshakeMark>() is { } mark)
        {
            mark.Rejected = true;
        }
    }
}
