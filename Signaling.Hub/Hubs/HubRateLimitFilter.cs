using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;
using Signaling.Hub.Security;

namespace Signaling.Hub.Hubs;

/// <summary>Refuses a connection's calls beyond its token bucket with <c>RATE_LIMITED</c>; the connection stays open.</summary>
public sealed class HubRateLimitFilter(IOptionsMonitor<RateLimitOptions> options, SignalingTelemetry telemetry, TimeProvider time) : IHubFilter
{
    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var o = options.CurrentValue;
        context.Context.Items[typeof(TokenBucket)] = new TokenBucket(o.HubBurst, o.HubPermitsPerSecond, time);
        return next(context);
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.Context.Items[typeof(TokenBucket)] is TokenBucket bucket && !bucket.TryTake())
        {
            telemetry.RateLimited();
            throw new RefusalException(ErrorCodes.RateLimited, $"more than {options.CurrentValue.HubPermitsPerSecond} calls per second; slow down");
        }

        return next(invocationContext);
    }
}
