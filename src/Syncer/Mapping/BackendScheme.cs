using k8s.Models;

namespace Entrance.Syncer.Mapping;

/// <summary>
/// The scheme of a Service's backend URLs: the <c>entrance.io/scheme</c> annotation (http, https or h2c) when set, else
/// h2c for a port whose <c>appProtocol</c> says cleartext HTTP/2 (<c>kubernetes.io/h2c</c>, or <c>grpc</c> as many
/// charts write it), else http.
/// </summary>
public static class BackendScheme
{
    public static readonly string[] Allowed = ["http", "https", "h2c"];

    /// <summary>The annotation's value, lower-cased; null when absent; an error when not one of <see cref="Allowed"/>.</summary>
    public static bool TryAnnotated(string? raw, out string? scheme, out string error)
    {
        scheme = raw?.Trim().ToLowerInvariant();
        error = string.Empty;
        if (scheme is null || Allowed.Contains(scheme))
        {
            return true;
        }

        error = $"{Annotations.Scheme} '{scheme}' is not http, https or h2c";
        return false;
    }

    public static string For(string? annotated, V1ServicePort port) =>
        annotated ?? (port.AppProtocol?.Trim().ToLowerInvariant() is "kubernetes.io/h2c" or "grpc" or "h2c" ? "h2c" : "http");
}
