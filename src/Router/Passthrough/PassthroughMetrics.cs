using Entrance.Hosting.Metrics;
using Entrance.Router.Metrics;
using Prometheus;

namespace Entrance.Router.Passthrough;

/// <summary>Passthrough connections by outcome and the bytes relayed, in the router's prometheus-net registry.</summary>
public sealed class PassthroughMetrics
{
    /// <summary>Indexed by <see cref="PassthroughResult"/>: every way a connection can end here is one bounded label value.</summary>
    private static readonly string[] Results = ["relayed", "backend_unreachable", "not_tls", "timeout", "truncated", "invalid_hello"];

    private readonly Counter.Child[] _connections;
    private readonly Gauge _open;
    private readonly Counter.Child _bytesIn;
    private readonly Counter.Child _bytesOut;

    public PassthroughMetrics(PrometheusExport export)
    {
        var f = export.Factory;
        var connections = f.CreateCounter("entrance_passthrough_connections_total",
            "Connections on the HTTPS listeners handled before TLS, by result: relayed (passthrough to a backend), backend_unreachable, "
            + "not_tls (not a TLS ClientHello: closed), timeout (no whole ClientHello in time: closed), truncated (closed mid-ClientHello), "
            + "invalid_hello (a TLS record that is no readable ClientHello: closed).", ["result"]);
        _connections = Array.ConvertAll(Results, r => connections.WithLabels(r));
        _open = f.CreateGauge("entrance_passthrough_connections_open", "Passthrough connections being relayed right now.");
        var bytes = f.CreateCounter("entrance_passthrough_bytes_total", "Bytes relayed by passthrough connections, by direction: in (client to backend), out.", ["direction"]);
        _bytesIn = bytes.WithLabels("in");
        _bytesOut = bytes.WithLabels("out");
    }

    public void Closed(PassthroughResult result) => _connections[(int)result].Inc();

    public long Count(PassthroughResult result) => (long)_connections[(int)result].Value;

    public void Opened() => _open.Inc();

    public void Relayed(long bytesIn, long bytesOut)
    {
        _open.Dec();
        _bytesIn.Inc(bytesIn);
        _bytesOut.Inc(bytesOut);
        _connections[(int)PassthroughResult.Relayed].Inc();
    }
}

public enum PassthroughResult
{
    Relayed,
    BackendUnreachable,
    NotTls,
    Timeout,
    Truncated,
    InvalidHello,
}
