using Microsoft.Extensions.Options;

namespace Entrance.Router.Tls;

/// <summary>Reads the default certificate's files again every <see cref="DefaultCertificateOptions.ReloadInterval"/>.</summary>
public sealed class DefaultCertificateReloader(DefaultCertificate certificate, IOptions<TlsOptions> options, TimeProvider time, ILogger<DefaultCertificateReloader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.DefaultCertificate.ReloadInterval;
        if (!certificate.FromFiles || interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    certificate.Reload();
                }
                catch (Exception ex)
                {
                    // Never the end of the router: the current certificate stays, the next tick tries again.
                    logger.LogWarning(ex, "Reading the default TLS certificate files again failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
