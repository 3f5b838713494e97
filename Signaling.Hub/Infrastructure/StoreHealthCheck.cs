using Microsoft.Extensions.Diagnostics.HealthChecks;
using Signaling.Hub.Rooms;

namespace Signaling.Hub.Infrastructure;

/// <summary>Ready only while the store answers a read.</summary>
internal sealed class StoreHealthCheck(IRoomStore rooms) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await rooms.GetRoomAsync("health-probe", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the store does not answer", ex);
        }
    }
}
