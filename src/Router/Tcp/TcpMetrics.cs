using Entrance.Hosting.Metrics;
using Entrance.Router.Metrics;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Entrance.Router.Tcp;

/// <summary>
/// Metrics of TCP routes. The <c>route</c> label is the listening port, for the first <c>Entrance:Tcp:RouteLabels</c>
/// ports seen (the rest count under <c>other</c>), so a wide port range cannot explode the series.
/// </summary>
public sealed class TcpMetrics
{
    private readonly BoundedLabels _routes;
    private readonly LabelledChildren<string, Gauge.Child> _open;
    private readonly LabelledChildren<string, Counter.Child> _total;
    private readonly LabelledChildren<(string Route, string Reason), Counter.Child> _failed;
    private readonly LabelledChildren<(string Route, string Direction), Counter.Child> _bytes;
    private readonly LabelledChildren<string, Counter.Child> _closed;
    private readonly LabelledChildren<string, Counter.Child> _connectFailures;

    public TcpMetrics(PrometheusExport export, IOptions<TcpOptions> options)
    {
        var f = export.Factory;
        _routes = new BoundedLabels(options.Value.RouteLabels);
        var open = f.CreateGauge("entrance_tcp_connections_open", "Relayed TCP connections open now, by route (listening port).", ["route"]);
        _open = new(r => open.WithLabels(r));
        var total = f.CreateCounter("entrance_tcp_connections_total", "TCP connections relayed to a backend, by route.", ["route"]);
        _total = new(r => total.WithLabels(r));
        var failed = f.CreateCounter("entrance_tcp_connections_failed_total",
            "TCP connections closed without relaying, by route and reason: no_route, store_unavailable, router_limit, route_limit, no_backend, proxy_header.", ["route", "reason"]);
        _failed = new(k => failed.WithLabels(k.Route, k.Reason));
        var bytes = f.CreateCounter("entrance_tcp_bytes_total", "Bytes relayed, by route and direction: in (client to backend), out (backend to client).", ["route", "direction"]);
        _bytes = new(k => bytes.WithLabels(k.Route, k.Direction));
        var closed = f.CreateCounter("entrance_tcp_connections_closed_total",
            "Relayed TCP connections ended, by reason: client_closed, backend_closed, idle_timeout, client_error, backend_error, aborted.", ["reason"]);
        _closed = new(r => closed.WithLabels(r));
        var connectFailures = f.CreateCounter("entrance_tcp_backend_connect_failures_total", "Backend connects that failed or timed out (each marks the backend dead), by route.", ["route"]);
        _connectFailures = new(r => connectFailures.WithLabels(r));
    }

    public string Route(string port) => _routes.Get(port);

    public void Opened(string route)
    {
        _total.Get(route).Inc();
        _open.Get(route).Inc();
    }

    public void Closed(string route, in TcpRelayResult result)
    {
        _open.Get(route).Dec();
        _bytes.Get((route, "in")).Inc(result.BytesFromClient);
        _bytes.Get((route, "out")).Inc(result.BytesToClient);
        _closed.Get(result.ReasonText).Inc();
    }

    public void Failed(string route, string reason) => _failed.Get((route, reason)).Inc();

    public void ConnectFailed(string route) => _connectFailures.Get(route).Inc();
}
