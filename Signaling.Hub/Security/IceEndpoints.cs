using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;

namespace Signaling.Hub.Security;

/// <summary><c>GET /api/ice-servers</c>: the same STUN/TURN list a joiner gets, for clients that connect media outside a room join.</summary>
public static class IceEndpoints
{
    /// <summary>STUN/TURN servers handed to joiners, with short-lived or fixed TURN credentials.</summary>
    public static WebApplicationBuilder AddIceServers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IceOptions>().BindConfiguration(IceOptions.Section)
            .BindCommaSeparated($"{IceOptions.Section}:{nameof(IceOptions.StunUrls)}", (o, urls) => o.StunUrls = urls)
            .BindCommaSeparated($"{IceOptions.Section}:{nameof(IceOptions.TurnUrls)}", (o, urls) => o.TurnUrls = urls)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IceOptions>>(new OptionsRule<IceOptions>(IceOptions.Check));
        builder.Services.AddSingleton<IceServerProvider>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIceServers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ice-servers", Get).RequireAuthorization().WithTags("ICE");
        return app;
    }

    private static Ok<IReadOnlyList<IceServer>> Get(ClaimsPrincipal user, IceServerProvider ice) =>
        TypedResults.Ok(ice.For(CallerIdentity.From(user).Id));
}
