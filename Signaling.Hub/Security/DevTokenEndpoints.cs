using Microsoft.AspNetCore.Http.HttpResults;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;

namespace Signaling.Hub.Security;

/// <summary><c>POST /api/dev/tokens</c>: lets <c>dotnet run</c> and the samples work without an identity provider.</summary>
public static class DevTokenEndpoints
{
    private static readonly string[] KnownRoles = [SignalingClaims.AdminRole, SignalingClaims.ClientRole];

    public static IEndpointRouteBuilder MapDevTokens(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        // The route must not exist at all outside Development: anyone could mint an admin token with it.
        if (!environment.IsDevelopment())
        {
            return app;
        }

        app.MapPost("/api/dev/tokens", Issue)
            .WithTags("Development")
            .AddEndpointFilter<ProblemDetailsFilter>()
            .AllowAnonymous();
        return app;
    }

    private static Ok<TokenResponse> Issue(DevTokenRequest request, TokenIssuer issuer)
    {
        Validate.NotNull(request, "body");
        Validate.Id(request.Sub, "sub");
        Validate.DisplayName(request.Name);
        if (request.Org is not null) Validate.Id(request.Org, "org");
        if (request.Room is not null) Validate.Id(request.Room, "room");
        var roles = request.Roles ?? [];
        if (roles.FirstOrDefault(r => !KnownRoles.Contains(r)) is { } unknown)
        {
            throw RefusalException.InvalidArgument($"unknown role '{unknown}': use 'admin' or 'client'");
        }

        var minutes = request.LifetimeMinutes ?? 60;
        if (minutes is < 1 or > 24 * 60)
        {
            throw RefusalException.InvalidArgument("'lifetimeMinutes' must be between 1 and 1440");
        }

        return TypedResults.Ok(issuer.Issue(request.Sub, request.Name, roles, request.Org, request.Room, TimeSpan.FromMinutes(minutes)));
    }
}
