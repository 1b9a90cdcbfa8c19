namespace Entrance.Router.Outliers;

/// <summary>The <c>Entrance:Outliers</c> section: passive outlier detection, after Envoy's <c>consecutive_gateway_failure</c>.</summary>
public sealed class OutlierOptions
{
    public const string Section = "Entrance:Outliers";

    /// <summary>
    /// Gateway failures in a row (backend timeout, reset or failure after the request was sent, reset mid-response,
    /// 502/503/504) after which this router marks the backend dead on every router; 0 turns the detection off.
    /// </summary>
    public int ConsecutiveGatewayFailures { get; set; } = 5;

    /// <summary>Most of a route's backends (percent, rounded down) that may be marked dead at once; an ejection past it waits.</summary>
    public int MaxEjectionPercent { get; set; } = 50;
}
