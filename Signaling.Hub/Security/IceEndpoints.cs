using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Signaling.Contracts.Rooms;

namespace Signaling.Hub.Security;

/// <summary><c>GET /api/ice-servers</c>: the same STUN/TURN list a joiner gets, for clients that connect media outside a room join.</summary>
public static class IceEndpoints
{
    public static IEndpointRouteBuilder MapIceServers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ice-servers", Get).RequireAuthorization().WithTags("ICE");
        return app;
    }

    private static Ok<IReadOnlyList<IceServer>> Get(ClaimsPrincipal user, IceServerProvider ice) =>
        TypedResults.Ok(ice.For(CallerIdentity.From(user).Id));
}
