using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;
using Signaling.Hub.Security;

namespace Signaling.Hub.Rooms;

/// <summary>The REST half of rooms (<c>/api/rooms</c>).</summary>
public static class RoomsApi
{
    /// <summary>Rooms, membership and relay; the stores come from infrastructure (<c>AddSignalingStorage</c>).</summary>
    public static WebApplicationBuilder AddRooms(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RoomOptions>().BindConfiguration(RoomOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<RoomOptions>>(new OptionsRule<RoomOptions>(JoinLinks.Check));
        services.AddSingleton<JoinLinks>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<IRoomGauges>(sp => sp.GetRequiredService<RoomDirectory>());
        services.AddSingleton<RoomLocks>();
        services.AddSingleton<RoomService>();
        services.AddSingleton<RelayService>();
        services.AddSingleton<RoomCatalog>();
        services.TryAddSingleton<ISessionHandover, LocalSessionHandover>();
        services.AddSingleton<DeadlineTimer<RoomJanitor>>();
        services.AddHostedService<RoomJanitor>();
        return builder;
    }

    public static RouteGroupBuilder MapRooms(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rooms")
            .RequireAuthorization()
            .AddEndpointFilter<ProblemDetailsFilter>()
            .WithTags("Rooms");

        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapGet("/{roomId}", Get);
        group.MapDelete("/{roomId}", Delete);
        group.MapPost("/{roomId}/tokens", IssueToken);
        return group;
    }

    private static async Task<Created<CreateRoomResponse>> Create(CreateRoomRequest request, ClaimsPrincipal user, HttpRequest http, RoomCatalog catalog, JoinLinks links)
    {
        var room = await catalog.CreateAsync(CallerIdentity.From(user), request);
        return TypedResults.Created($"/api/rooms/{room.RoomId}", new CreateRoomResponse(room.RoomId, links.For(room, http), room.ToInfo()));
    }

    private static async Task<Ok<RoomPage>> List(ClaimsPrincipal user, RoomCatalog catalog, int? offset, int? limit) =>
        TypedResults.Ok(await catalog.ListAsync(CallerIdentity.From(user), offset, limit));

    private static async Task<Ok<RoomDetails>> Get(string roomId, ClaimsPrincipal user, RoomCatalog catalog) =>
        TypedResults.Ok(await catalog.DescribeAsync(CallerIdentity.From(user), roomId));

    private static async Task<NoContent> Delete(string roomId, ClaimsPrincipal user, RoomCatalog catalog)
    {
        await catalog.DeleteAsync(CallerIdentity.From(user), roomId);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<RoomTokenResponse>> IssueToken(string roomId, RoomTokenRequest? request, ClaimsPrincipal user, RoomCatalog catalog) =>
        TypedResults.Ok(await catalog.IssueTokenAsync(CallerIdentity.From(user), roomId, request));
}
