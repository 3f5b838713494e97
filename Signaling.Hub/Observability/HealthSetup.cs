using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Signaling.Hub.Observability;

public static class HealthSetup
{
    /// <summary>Checks with this tag decide <c>/health/ready</c>; infrastructure adds its own.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddSignalingHealthChecks(this WebApplicationBuilder builder)
    {
        // Infrastructure registers the checks of what it brings (store, Redis) with ReadyTag.
        builder.Services.AddHealthChecks();
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
