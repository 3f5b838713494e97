using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Hub.Common;

namespace Signaling.Hub.Security;

/// <summary>Per-IP limits on HTTP; the hub's per-connection limit is <c>HubRateLimitFilter</c>.</summary>
public static class RateLimitSetup
{
    public static WebApplicationBuilder AddSignalingRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
            {
                var perMinute = configured.Value.HttpPermitsPerMinute;
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    // The hub's transport requests and probes are not API calls: limiting them would cut live calls or fail health checks.
                    context.Request.Path.StartsWithSegments("/hubs") || context.Request.Path.StartsWithSegments("/health")
                        ? RateLimitPartition.GetNoLimiter("unlimited")
                        : RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                        {
                            PermitLimit = perMinute,
                            Window = TimeSpan.FromMinutes(1),
                            QueueLimit = 0,
                        }));
                limiter.OnRejected = async (rejected, cancellationToken) =>
                {
                    rejected.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    await ProblemDetailsFilter.Problem(ErrorCodes.RateLimited, $"more than {perMinute} requests per minute from this address")
                        .ExecuteAsync(rejected.HttpContext);
                };
            });
        return builder;
    }

    public static WebApplication UseSignalingRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }
}
