using Entrance.Cli.Input;
using Entrance.Core.Store;

namespace Entrance.Cli.Tcp;

/// <summary>TCP route input from the command line and apply files, checked by <see cref="TcpRouteRules"/>; every error at once.</summary>
public static class TcpInput
{
    public static int Port(string? raw) => TcpRouteRules.TryPort(raw, out var port, out var error) ? port : throw new CliInputException(error);

    /// <summary>The backends in their stored form, each once, in the order given.</summary>
    public static IReadOnlyList<string> Backends(IEnumerable<string> raw, List<string>? errors = null)
    {
        var own = errors ?? [];
        var backends = new List<string>();
        foreach (var item in raw)
        {
            if (!TcpRouteRules.TryBackend(item, out var backend, out var error))
            {
                own.Add(error);
            }
            else if (!backends.Contains(backend))
            {
                backends.Add(backend);
            }
        }

        return errors is null && own.Count > 0 ? throw new CliInputException(own) : backends;
    }

    /// <summary>Settings given (null values are left out); each value checked.</summary>
    public static Dictionary<string, string> Settings(IEnumerable<(string Field, string? Value)> raw, List<string>? errors = null)
    {
        var own = errors ?? [];
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in raw)
        {
            if (value is null)
            {
                continue;
            }

            if (TcpRouteRules.TrySetting(field, value, out var error))
            {
                settings[field] = value;
            }
            else
            {
                own.Add(error);
            }
        }

        return errors is null && own.Count > 0 ? throw new CliInputException(own) : settings;
    }
}
