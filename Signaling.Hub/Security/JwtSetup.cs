using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Signaling.Contracts;
using Signaling.Contracts.Http;

namespace Signaling.Hub.Security;

public static class JwtSetup
{
    /// <summary>Tolerated clock difference between token issuers and this server.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public static WebApplicationBuilder AddSignalingAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwtOptions) => Configure(bearer, jwtOptions.Value));
        builder.Services.AddAuthorization();
        return builder;
    }

    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt)
    {
        // Keep 'sub', 'name', 'role' as they are on the wire instead of the legacy WS-* claim URIs.
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = ClockSkew,
            NameClaimType = SignalingClaims.Name,
            RoleClaimType = SignalingClaims.Role,
        };

        if (string.IsNullOrEmpty(jwt.Authority))
        {
            bearer.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(jwt.SigningKeyBytes);
            bearer.TokenValidationParameters.ValidateIssuerSigningKey = true;
            // Pinning the algorithm refuses 'alg: none' and algorithm-confusion tokens outright.
            bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            bearer.Authority = jwt.Authority;
        }

        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // Browsers cannot set headers on WebSocket/SSE requests, so the hub alone accepts the query string.
                if (context.Request.Path.StartsWithSegments("/hubs")
                    && context.Request.Query.TryGetValue(SignalingRoutes.AccessTokenQueryParameter, out var token))
                {
                    context.Token = token.ToString();
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                if (!ProtocolLimits.IsValidId(context.Principal?.FindFirst(SignalingClaims.Subject)?.Value))
                {
                    context.Fail("the token's 'sub' must be 1-128 characters of A-Z a-z 0-9 . _ - : @");
                }

                // SignalR closes a connection at its authentication's expiry (the token's 'exp'); one without
                // an expiry stays open, which is how connections the setting exempts are left alone.
                if (jwt.CloseOnExpiration == ExpiringConnections.None
                    || (jwt.CloseOnExpiration == ExpiringConnections.Admins && context.Principal?.IsInRole(SignalingClaims.AdminRole) != true))
                {
                    context.Properties.ExpiresUtc = null;
                }

                return Task.CompletedTask;
            },
        };
    }
}

/// <summary>SignalR user ids are the token's <c>sub</c>, so <c>Clients.User</c> addresses an identity.</summary>
public sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) =>
        connection.User?.FindFirst(SignalingClaims.Subject)?.Value;
}
