using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Operations;

/// <summary>
/// <c>GET /</c> and <c>GET /health</c>: what an operator, a script or a dashboard asks a service
/// first. Both are anonymous, so each answer costs bounded work: nothing here reads a store whose
/// size grows with use.
/// </summary>
public static class OperationsApi
{
    private static readonly string Version =
        typeof(OperationsApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OperationsApi).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        StartTime.AddTo(builder.Services);
        return builder;
    }

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        var samples = SamplePages.Served(app.ServiceProvider.GetRequiredService<IWebHostEnvironment>());
        // Made once: nothing in it changes while the process runs.
        var document = new ServiceDocument("Signaling", Version, new ServiceLinks(
            "/health", "/health/live", "/health/ready", "/api/stats", "/openapi/v1.json", SignalingRoutes.Hub,
            samples.Count > 0 ? samples : null));

        app.MapGet("/", () => TypedResults.Ok(document))
            .AllowAnonymous().WithTags("Operations").WithSummary("The service's name, version and operations routes");
        app.MapGet("/health", Health)
            .AllowAnonymous().WithTags("Operations")
            .WithSummary("This instance's readiness, version, uptime, memory, connections and rooms; 503 when unhealthy")
            .Produces<HealthSummary>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthSummary>, JsonHttpResult<HealthSummary>>> Health(
        HealthCheckService checks, StartTime start, SignalingTelemetry telemetry, IRoomGauges rooms, HttpResponse response, CancellationToken cancellationToken)
    {
        // The checks /health/ready runs: a read of one key from the store and Redis's state, no scan.
        var report = await checks.CheckHealthAsync(c => c.Tags.Contains(HealthSetup.ReadyTag), cancellationToken);
        var status = report.Status switch
        {
            HealthStatus.Healthy => ServiceHealth.Healthy,
            HealthStatus.Degraded => ServiceHealth.Degraded,
            _ => ServiceHealth.Unhealthy,
        };
        var summary = new HealthSummary(
            status, Version, start.UptimeSeconds, new MemoryUsage(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false)),
            telemetry.Load.Connections, rooms.RoomCount);
        response.Headers.CacheControl = "no-store, no-cache";
        return status == ServiceHealth.Unhealthy
            ? TypedResults.Json(summary, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(summary);
    }
}
