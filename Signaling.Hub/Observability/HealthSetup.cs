using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Signaling.Hub.Scaling;
using Signaling.Hub.Storage;

namespace Signaling.Hub.Observability;

public static class HealthSetup
{
    private const string ReadyTag = "ready";

    public static WebApplicationBuilder AddSignalingHealthChecks(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag])
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
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

/// <summary>Without Redis this instance still serves its own connections, but it is cut off from the cluster: not ready.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis, Microsoft.Extensions.Options.IOptions<RedisOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled)
        {
            return HealthCheckResult.Healthy("Redis is not configured: single instance");
        }

        if (!redis.IsConnected)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable: cross-instance delivery is suspended");
        }

        try
        {
            await redis.Database.PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer", ex);
        }
    }
}
