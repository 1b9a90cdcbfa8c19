using Entrance.Core.Store;
using Entrance.Router.Configuration;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Routing;

/// <summary>
/// Builds the wildcard index (<see cref="KnownRouteNames"/>) by a SCAN whenever it asks for one (the change feed came up,
/// or announced "everything changed") and every <c>WildcardRescan</c>, which drops wildcards deleted since.
/// </summary>
public sealed class WildcardIndexRefresher(
    KnownRouteNames known,
    RedisConnection redis,
    IOptions<EntranceOptions> options,
    TimeProvider time,
    ILogger<WildcardIndexRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WildcardIndex)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    var period = Task.Delay(options.Value.WildcardRescan, time, wait.Token);
                    await Task.WhenAny(known.ScanWanted, period).ConfigureAwait(false);
                    wait.Cancel();
                }

                stoppingToken.ThrowIfCancellationRequested();
                try
                {
                    if (await known.ScanAsync(redis).ConfigureAwait(false))
                    {
                        logger.LogDebug("Wildcard index: {Count} wildcard/catch-all route names", known.Names.Count);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Untrusted meanwhile: lookups probe every candidate, as without the index.
                    logger.LogWarning("Cannot scan for wildcard routes ({Reason}); unknown hosts probe every parent until it works", ex.Message);
                    known.Untrust();
                    await Task.Delay(RetryDelay, time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
