using Microsoft.Extensions.Options;

namespace Signaling.Hub.Admin;

/// <summary>Periodic cleanup: requests past their time to live become <c>expired</c> and are never delivered after.</summary>
public sealed partial class RequestJanitor(
    ConnectRequestService requests,
    IOptionsMonitor<QueueOptions> options,
    TimeProvider time,
    ILogger<RequestJanitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.CleanupInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await requests.ExpireAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Expiring connect requests failed; retrying at the next tick")]
    private partial void LogFailed(Exception exception);
}
