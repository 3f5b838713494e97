using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;
using Signaling.Hub.Security;

namespace Signaling.Hub.Admin;

/// <summary><c>/api/admin/*</c>: the admin hub methods over HTTP, same rules and codes.</summary>
public static class AdminApi
{
    /// <summary>Client presence, admin-initiated connections and their analytics; the stores come from infrastructure.</summary>
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueOptions>>(new OptionsRule<QueueOptions>(QueueOptions.Check));
        services.AddSingleton<PresenceService>();
        services.AddSingleton<ConnectRequestService>();
        services.AddSingleton<AnalyticsService>();
        services.AddSingleton<DeadlineTimer<RequestJanitor>>();
        services.AddHostedService<RequestJanitor>();
        return builder;
    }

    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").RequireAuthorization().AddEndpointFilter<ProblemDetailsFilter>().WithTags("Admin");
        group.MapGet("/clients", async (ClaimsPrincipal user, PresenceService presence) =>
            TypedResults.Ok(await presence.ListAsync(CallerIdentity.From(user))));
        group.MapGet("/clients/{clientId}/history", async (string clientId, ClaimsPrincipal user, PresenceService presence) =>
            TypedResults.Ok(await presence.HistoryAsync(CallerIdentity.From(user), clientId)));
        group.MapPost("/clients/{clientId}/connect-requests", Create);
        group.MapDelete("/connect-requests/{requestId}", async Task<NoContent> (string requestId, ClaimsPrincipal user, ConnectRequestService requests) =>
        {
            await requests.CancelAsync(CallerIdentity.From(user), requestId);
            return TypedResults.NoContent();
        });
        group.MapGet("/connect-requests", async (ClaimsPrincipal user, AnalyticsService analytics, int? limit) =>
            TypedResults.Ok(await analytics.ListAsync(CallerIdentity.From(user), limit)));
        group.MapGet("/analytics", async (ClaimsPrincipal user, AnalyticsService analytics) =>
            TypedResults.Ok(await analytics.ReportAsync(CallerIdentity.From(user))));
        return group;
    }

    private static async Task<Created<ConnectRequestResult>> Create(string clientId, CreateConnectRequestBody body, ClaimsPrincipal user, ConnectRequestService requests)
    {
        Validate.NotNull(body, "body");
        var result = await requests.CreateAsync(CallerIdentity.From(user), new AdminConnectRequestArgs(clientId, body.OfferData, body.Priority, body.TtlSeconds));
        return TypedResults.Created($"/api/admin/connect-requests/{result.RequestId}", result);
    }
}
