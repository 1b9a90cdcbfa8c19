using System.Diagnostics;
using System.Globalization;
using System.Net;
using Entrance.Router.Proxy;
using Microsoft.Extensions.Options;

namespace Entrance.Router.DebugHeaders;

/// <summary>
/// hipache's debug headers: a request carrying <c>X-Debug</c> from a trusted client gets <c>X-Debug-Backend-Url</c>,
/// <c>X-Debug-Matched-Key</c>, <c>X-Debug-Time-Total</c> and <c>X-Debug-Time-Backend</c> (milliseconds, until the
/// response headers) on its response. Other requests pay one header lookup.
/// </summary>
public sealed class DebugResponseHeaders
{
    public const string RequestHeader = "X-Debug";

    private readonly bool _enabled;
    private readonly IPNetwork[] _trusted;

    public DebugResponseHeaders(IOptions<DebugHeadersOptions> options)
    {
        _enabled = options.Value.Enabled;
        _trusted = options.Value.Networks.Select(IPNetwork.Parse).ToArray();
    }

    /// <summary>Arranges the headers for this request when it asks for them and may have them.</summary>
    public void Attach(HttpContext context, ProxyRequest request)
    {
        if (!_enabled || !context.Request.Headers.ContainsKey(RequestHeader) || !IsTrusted(context.Connection.RemoteIpAddress))
        {
            return;
        }

        context.Response.OnStarting(static state =>
        {
            var (context, request) = ((HttpContext, ProxyRequest))state;
            var headers = context.Response.Headers;
            var now = Stopwatch.GetTimestamp();
            headers["X-Debug-Backend-Url"] = request.BackendUrl ?? "-";
            headers["X-Debug-Matched-Key"] = request.MatchedKey ?? "-";
            headers["X-Debug-Time-Total"] = Ms(now - request.StartedAt);
            headers["X-Debug-Time-Backend"] = request.BackendStartedAt == 0 ? "-" : Ms(now - request.BackendStartedAt);
            return Task.CompletedTask;
        }, (context, request));
    }

    public bool IsTrusted(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static string Ms(long ticks) => (ticks * 1000.0 / Stopwatch.Frequency).ToString("0.###", CultureInfo.InvariantCulture);
}
