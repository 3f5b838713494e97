using Microsoft.AspNetCore.SignalR;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Hubs;

/// <summary>The one place where domain refusals become <see cref="HubException"/>s whose message starts with the code.</summary>
public sealed partial class HubErrorFilter(SignalingTelemetry telemetry, Outages outages, ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocationContext,
        Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (RefusalException ex)
        {
            throw Refused(invocationContext, ex);
        }
        catch (Exception ex) when (ex is not HubException and not OperationCanceledException)
        {
            if (outages.AsRefusal(ex) is { } outage)
            {
                LogOutage(invocationContext.HubMethodName, invocationContext.Context.ConnectionId, ex.GetType().Name, ex.Message);
                throw Refused(invocationContext, outage);
            }

            // SignalR's own dispatcher log is silenced in appsettings.json (it reports every expected
            // refusal as an error), so genuine failures are logged here instead.
            LogFailed(ex, invocationContext.HubMethodName, invocationContext.Context.ConnectionId);
            throw;
        }
    }

    private HubException Refused(HubInvocationContext invocationContext, RefusalException refusal)
    {
        telemetry.Refused(refusal.Code);
        LogRefused(invocationContext.HubMethodName, refusal.Code, invocationContext.Context.ConnectionId, refusal.Message);
        return new HubException($"{refusal.Code}: {refusal.Message}");
    }

    [LoggerMessage(LogLevel.Warning, "{Method} for connection {ConnectionId} met an outage: {Error}: {Detail}")]
    private partial void LogOutage(string method, string connectionId, string error, string detail);

    [LoggerMessage(LogLevel.Error, "{Method} failed for connection {ConnectionId}")]
    private partial void LogFailed(Exception exception, string method, string connectionId);

    [LoggerMessage(LogLevel.Debug, "{Method} refused with {Code} for connection {ConnectionId}: {Detail}")]
    private partial void LogRefused(string method, string code, string connectionId, string detail);
}
