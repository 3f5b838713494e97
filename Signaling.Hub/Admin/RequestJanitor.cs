using Microsoft.Extensions.Options;
using Signaling.Hub.Common;

namespace Signaling.Hub.Admin;

/// <summary>
/// Requests past their time to live become <c>expired</c> (their admins are told) when the TTL
/// runs out, and are never delivered after. <see cref="QueueOptions.CleanupInterval"/> is the
/// safety net for requests this instance did not create and has not yet heard of.
/// </summary>
public sealed class RequestJanitor(
    ConnectRequestService requests,
    IConnectRequestStore store,
    DeadlineTimer<RequestJanitor> deadlines,
    IOptionsMonitor<QueueOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        deadlines.RunAsync(SweepAsync, () => options.CurrentValue.CleanupInterval, stoppingToken);

    private async Task<(int, long?)> SweepAsync(long now, CancellationToken cancellationToken) =>
        (await requests.ExpireAsync(cancellationToken), await store.NextExpiryAsync(now, cancellationToken));
}
