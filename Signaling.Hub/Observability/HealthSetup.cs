using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Signaling.Hub.Storage;

namespace Signaling.Hub.Observability;

public static class HealthSetup
{
    /// <summary>Checks with this tag decide <c>/health/ready</c>; infrastructure adds its own.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddSignalingHealthChecks(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapSignalingHealthChecks(this IEndpointRouteBuilder app)
    {
        // Liveness runs no dependency check: a store outage must not get the process restarted.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return app;
    }
}

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
