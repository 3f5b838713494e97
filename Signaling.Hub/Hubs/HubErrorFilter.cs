using Microsoft.AspNetCore.SignalR;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Hubs;

/// <summary>The one place where domain refusals become <see cref="HubException"/>s whose message starts with the code.</summary>
public sealed partial class HubErrorFilter(SignalingTelemetry telemetry, ILogger<HubErrorFilter> logger) : IHubFilter
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
            telemetry.Refused(ex.Code);
            LogRefused(invocationContext.HubMethodName, ex.Code, invocationContext.Context.ConnectionId, ex.Message);
            throw new HubException($"{ex.Code}: {ex.Message}");
        }
        catch (Exception ex) when (ex is not HubException and not OperationCanceledException)
        {
            // SignalR's own dispatcher log is silenced in appsettings.json (it reports every expected
            // refusal as an error), so genuine failures are logged here instead.
            LogFailed(ex, invocationContext.HubMethodName, invocationContext.Context.ConnectionId);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Error, "{Method} failed for connection {ConnectionId}")]
    private partial void LogFailed(Exception exception, string method, string connectionId);

    [LoggerMessage(LogLevel.Debug, "{Method} refused with {Code} for connection {ConnectionId}: {Detail}")]
    private partial void LogRefused(string method, string code, string connectionId, string detail);
}
