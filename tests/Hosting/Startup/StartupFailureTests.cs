using Entrance.Hosting.Startup;
using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Tests.Startup;

public class StartupFailureTests
{
    [Fact]
    public void From_ValidationFailures_OneConfigurationLineExitTwo()
    {
        var failure = StartupFailure.From(new OptionsValidationException("Entrance", typeof(object), ["A must be positive", "B must be set"]));

        Assert.Equal(new StartupFailure("configuration error: A must be positive; B must be set", StartupFailure.ConfigurationExitCode), failure);
    }

    [Fact]
    public void From_SeveralOptionsTypesFailing_AllFailuresInOneLine()
    {
        var failure = StartupFailure.From(new AggregateException(
            new OptionsValidationException("A", typeof(object), ["A must be set"]),
            new OptionsValidationException("B", typeof(object), ["B must be positive", "C must be set"])));

        Assert.Equal(new StartupFailure("configuration error: A must be set; B must be positive; C must be set", StartupFailure.ConfigurationExitCode), failure);
    }

    [Fact]
    public void From_StartupConfigurationException_ConfigurationErrorExitTwo()
    {
        var failure = StartupFailure.From(new StartupConfigurationException("kubeconfig not found: /x", new InvalidOperationException("kubeconfig not found: /x")));

        Assert.Equal(new StartupFailure("configuration error: kubeconfig not found: /x", StartupFailure.ConfigurationExitCode), failure);
    }

    [Fact]
    public void From_BinderConversionFailure_ConfigurationErrorExitTwo()
    {
        var failure = StartupFailure.From(new InvalidOperationException("Failed to convert configuration value 'banana' at 'A:B' to type 'System.TimeSpan'."));

        Assert.Equal(StartupFailure.ConfigurationExitCode, failure!.ExitCode);
        Assert.StartsWith("configuration error: Failed to convert configuration value 'banana' at 'A:B'", failure.Message);
    }

    [Fact]
    public void From_PortTakenInsideAggregate_EnvironmentErrorExitOne()
    {
        var failure = StartupFailure.From(new AggregateException(new IOException("Failed to bind to address http://127.0.0.1:1: address already in use.")));

        Assert.Equal(new StartupFailure("Failed to bind to address http://127.0.0.1:1: address already in use.", StartupFailure.EnvironmentExitCode), failure);
    }

    [Fact]
    public void From_UnexpectedException_NullSoItKeepsItsStackTrace()
    {
        Assert.Null(StartupFailure.From(new NullReferenceException()));
        Assert.Null(StartupFailure.From(new InvalidOperationException("something else")));
        Assert.Null(StartupFailure.From(new ArgumentException("a bug, not a setting")));
    }
}
