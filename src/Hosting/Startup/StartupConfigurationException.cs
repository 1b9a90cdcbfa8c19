namespace Entrance.Hosting.Startup;

/// <summary>
/// A setting the program cannot use, found while building its services (an unreadable kubeconfig, a bad connection
/// string): reported like an options validation failure, one line and exit 2.
/// </summary>
public sealed class StartupConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
